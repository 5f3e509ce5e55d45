using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Admin endpoints of both services: <c>Authorization: Bearer &lt;Auth:AdminKey&gt;</c>, compared in constant time;
/// anything else gets 401 problem+json with reason <c>admin_key</c>.
/// </summary>
public sealed class AdminKeyFilter(IOptions<SharedKeys> keys) : IEndpointFilter
{
    private readonly byte[] _adminKeyHash = SharedSecrets.Hash(keys.Value.AdminKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (SharedSecrets.Matches(SharedSecrets.BearerFrom(context.HttpContext.Request), _adminKeyHash))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(Results.Problem(title: "Missing or invalid admin key.",
            statusCode: StatusCodes.Status401Unauthorized,
            extensions: new Dictionary<string, object?> { ["reason"] = "admin_key" }));
    }
}
