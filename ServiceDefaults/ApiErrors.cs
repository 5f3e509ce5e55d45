using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// problem+json for every error a caller can cause: bad JSON and wrong types (400 naming the field), oversized
/// bodies (413 stating the limit). JSON numbers must be numbers ("300" is not 300).
/// </summary>
public static class ApiErrors
{
    public static IServiceCollection AddApiErrors(this IServiceCollection services, long maxRequestBodyBytes)
    {
        var tooLarge = $"Request body is too large (at most {maxRequestBodyBytes / 1024} KiB).";
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Kestrel ends an oversized body before any handler sees it; say what the limit is.
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                context.ProblemDetails.Title = tooLarge;
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services;
    }
}
