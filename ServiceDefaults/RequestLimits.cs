using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Kestrel's bounds on what a caller can send, set in one place for both services. The 413 problem
/// (<see cref="ApiErrors"/>) states the body limit Kestrel actually enforces.
/// </summary>
public static class RequestLimits
{
    /// <summary>All request headers together; a bearer is at most a few KiB.</summary>
    public const int HeadersBytes = 16 * 1024;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services, long maxBodyBytes) =>
        services.Configure<KestrelServerOptions>(kestrel => Apply(kestrel, maxBodyBytes));

    /// <summary>The body limit read from validated options (<typeparamref name="TOptions"/>).</summary>
    public static IServiceCollection AddRequestLimits<TOptions>(this IServiceCollection services, Func<TOptions, long> maxBodyBytes)
        where TOptions : class
    {
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<TOptions>>((kestrel, options) => Apply(kestrel, maxBodyBytes(options.Value)));
        return services;
    }

    private static void Apply(KestrelServerOptions kestrel, long maxBodyBytes)
    {
        kestrel.Limits.MaxRequestBodySize = maxBodyBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = HeadersBytes;
    }
}
