using Microsoft.AspNetCore.Http;

namespace Mnemosyne.ServiceDefaults;

/// <summary>Reading what an endpoint handler answered, from an endpoint filter.</summary>
public static class EndpointResults
{
    /// <summary>True when <paramref name="result"/> (unwrapped from <c>Results&lt;…&gt;</c>) carries a 4xx or 5xx status.</summary>
    public static bool IsFailure(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result is IStatusCodeHttpResult { StatusCode: >= 400 };
    }
}
