using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// problem+json for every error a caller can cause: bad JSON and wrong types (400 naming the field), oversized
/// bodies (413 stating the limit), and a dependency that is down (503 <c>unavailable</c> naming it, never a 500).
/// JSON numbers must be numbers ("300" is not 300).
/// </summary>
public static class ApiErrors
{
    public static IServiceCollection AddApiErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Kestrel ends an oversized body before any handler sees it; say what the limit is.
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                var limit = context.HttpContext.RequestServices.GetRequiredService<IOptions<KestrelServerOptions>>()
                    .Value.Limits.MaxRequestBodySize;
                context.ProblemDetails.Title = $"Request body is too large (at most {limit / 1024} KiB).";
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services;
    }
}
