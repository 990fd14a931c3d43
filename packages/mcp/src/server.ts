import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ClientError, type ChronoTickClient } from '@chronotick/client';
import { ProtocolError, isoFromUnixSeconds } from '@chronotick/protocol';
import { renderToolText } from './render';
import { TOOLS, type ToolSpec } from './tools';

export const VERSION = '0.1.0';

/**
 * The MCP server: one read-only tool per daemon method, each forwarding its arguments
 * and turning daemon or connection failures into tool errors with a hint.
 */
export function createMcpServer(client: ChronoTickClient): McpServer {
  const server = new McpServer({ name: 'chronotick', version: VERSION });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputShape,
        outputSchema: tool.outputShape,
        annotations: {
          title: tool.title,
          readOnlyHint: true,
          idempotentHint: true,
          destructiveHint: false,
          openWorldHint: false,
        },
      },
      (args: Record<string, unknown>) => callTool(client, tool, args),
    );
  }
  // registerTool announces tools.listChanged: true, but these four never change; a
  // host that believes it would wait for list_changed notifications that never come.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}

async function callTool(client: ChronoTickClient, tool: ToolSpec, args: Record<string, unknown>): Promise<CallToolResult> {
  try {
    const result = (await client.request(tool.method, args as never)) as Record<string, unknown>;
    const structured = tool.hasTime ? { ...result, corrected_time_iso: isoFromUnixSeconds(Number(result.corrected_time)) } : result;
    return {
      structuredContent: structured,
      content: [{ type: 'text', text: renderToolText(tool.name, structured) }],
    };
  } catch (err) {
    return toolError(err);
  }
}

function toolError(err: unknown): CallToolResult {
  let text: string;
  if (err instanceof ClientError || err instanceof ProtocolError) {
    text = `${err.code}: ${err.message}${err.hint ? `\nHint: ${err.hint}` : ''}`;
  } else {
    text = `CT_INTERNAL: ${String(err)}`;
  }
  return { isError: true, content: [{ type: 'text', text }] };
}
