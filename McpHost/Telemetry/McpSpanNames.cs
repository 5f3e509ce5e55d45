using System.Diagnostics;
using OpenTelemetry;

namespace Mnemosyne.McpHost.Telemetry;

/// <summary>
/// Names an MCP request's HTTP server span after what it did — <c>tools/call search</c>, <c>tools/list</c> — instead
/// of <c>POST /mcp</c>, so the dashboard's trace list reads as a list of MCP calls. The gate tags the span with
/// <see cref="MethodTag"/> and <see cref="ToolTag"/> (MCP semantic conventions); the HTTP instrumentation names the
/// span when it stops, so this runs after it, as the span ends.
/// </summary>
public sealed class McpSpanNames : BaseProcessor<Activity>
{
    public const string MethodTag = "mcp.method.name";
    public const string ToolTag = "gen_ai.tool.name";

    public override void OnEnd(Activity data)
    {
        if (data.Kind == ActivityKind.Server && data.GetTagItem(MethodTag) is string method)
        {
            data.DisplayName = data.GetTagItem(ToolTag) is string tool ? $"{method} {tool}" : method;
        }
    }
}
