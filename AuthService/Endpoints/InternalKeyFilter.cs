using Mnemosyne.ServiceDefaults;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Internal API: <c>X-Internal-Key</c>, held only by mcp-host.</summary>
public sealed class InternalKeyFilter(IOptions<SharedKeys> keys, AuthFailureCounter failures) : IEndpointFilter
{
    private readonly byte[] _internalKeyHash = SharedSecrets.Hash(keys.Value.InternalKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[SharedKeys.InternalKeyHeader];
        if (presented.Count == 1 && SharedSecrets.Matches(presented[0], _internalKeyHash))
        {
            return next(context);
        }

        failures.Record(AuthFailure.InternalKey.Reason);
        return ValueTask.FromResult<object?>(Problems.From(AuthFailure.InternalKey));
    }
}
