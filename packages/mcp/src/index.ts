export { createMcpServer, VERSION } from './server';
export { TOOLS, type ToolSpec, type ToolContext } from './tools';
export { renderToolText } from './render';
export { hostZone, localTime, resolveZone, UnknownTimeZoneError, type LocalTime, type Zone } from './timezone';
export { convertTime, BadTimeError, type ConvertedTime } from './convert-time';
