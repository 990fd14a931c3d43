import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ClientError, type ChronoTickClient } from '@chronotick/client';
import { ProtocolError } from '@chronotick/protocol';
import { BadTimeError } from './convert-time';
import { UnknownTimeZoneError } from './timezone';
import { TOOLS, type ToolContext, type ToolSpec } from './tools';

export const VERSION = '0.1.0';

/**
 * The MCP server: read-only tools that forward to the daemon (and present its UTC
 * answer in a time zone), turning daemon, connection and argument failures into tool
 * errors with a hint. No output schemas: they were four fifths of tools/list, which
 * every agent pays for in its context in every conversation; structuredContent still
 * comes with every answer.
 */
export function createMcpServer(client: ChronoTickClient, env: NodeJS.ProcessEnv = process.env): McpServer {
  const server = new McpServer({ name: 'chronotick', version: VERSION });
  const ctx: ToolContext = { client, tz: env.TZ, nowS: () => Date.now() / 1000 };
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputShape,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      (args: Record<string, unknown>) => callTool(ctx, tool, args),
    );
  }
  // registerTool announces tools.listChanged: true, but these never change; a host
  // that believes it would wait for list_changed notifications that never come.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}

async function callTool(ctx: ToolContext, tool: ToolSpec, args: Record<string, unknown>): Promise<CallToolResult> {
  try {
    const { structured, text } = await tool.run(ctx, args);
    return { structuredContent: structured, content: [{ type: 'text', text }] };
  } catch (err) {
    return toolError(err);
  }
}

function toolError(err: unknown): CallToolResult {
  let text: string;
  if (err instanceof ClientError || err instanceof ProtocolError || err instanceof UnknownTimeZoneError) {
    text = `${err.code}: ${err.message}${err.hint ? `\nHint: ${err.hint}` : ''}`;
  } else if (err instanceof BadTimeError) {
    text = `${err.code}: ${err.message}`;
  } else {
    text = `CT_INTERNAL: ${String(err)}`;
  }
  return { isError: true, content: [{ type: 'text', text }] };
}
