using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemosyne.ServiceDefaults.Invalidation;

public static class InvalidationExtensions
{
    /// <summary>For a service whose changes revoke cached decisions (both admin APIs). Needs an IConnectionMultiplexer.</summary>
    public static IServiceCollection AddInvalidationAnnouncer(this IServiceCollection services) =>
        services.AddSingleton<InvalidationAnnouncer>();

    /// <summary>For a service that caches decisions. Needs an IConnectionMultiplexer.</summary>
    public static IServiceCollection AddInvalidationListener(this IServiceCollection services) =>
        services.AddSingleton<InvalidationListener>().AddHostedService(sp => sp.GetRequiredService<InvalidationListener>());

    /// <summary>
    /// Declared once on an admin route group: a successful change (any method but GET) answers only after every
    /// replica has dropped the cached decisions within the change's reach (CONTRACT §9): what the endpoint declared with
    /// <see cref="InvalidationReach.Declare"/>, else everything.
    /// </summary>
    public static TBuilder InvalidatesCachedDecisions<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, InvalidateAfterChange>();
}

/// <summary>The endpoint filter behind <see cref="InvalidationExtensions.InvalidatesCachedDecisions"/>.</summary>
public sealed class InvalidateAfterChange(InvalidationAnnouncer? announcer = null) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        if (announcer is not null && !HttpMethods.IsGet(context.HttpContext.Request.Method)
            && !EndpointResults.IsFailure(result))
        {
            await announcer.AnnounceAsync(InvalidationReach.DeclaredBy(context.HttpContext), context.HttpContext.RequestAborted);
        }

        return result;
    }
}
