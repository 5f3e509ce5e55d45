using Mnemosyne.ServiceDefaults;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mnemosyne.McpHost.Tools;

/// <summary>
/// A tool call that meets a library-store outage answers with a tool error saying so, instead of the SDK's generic
/// "an error occurred"; the tools themselves never catch store exceptions.
/// </summary>
public static class StoreOutageFilter
{
    public const string Message = "The library store is unavailable; try again shortly.";

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Apply(
        McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await next(context, cancellationToken);
            }
            catch (LibraryStoreUnavailableException)
            {
                throw new McpException(Message);
            }
        };
}
