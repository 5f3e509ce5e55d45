using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// The admin API describes itself: an OpenAPI document (<c>/openapi/v1.json</c>) of a service's admin endpoints,
/// with the admin key as its bearer scheme, and a Scalar page (<c>/scalar</c>) to read and try it — both in
/// Development only (the AppHost links the page from the dashboard).
/// </summary>
public static class AdminApiDocs
{
    public const string SchemeName = "admin-key";
    public const string ReferencePath = "/scalar";

    /// <param name="title">The document's title.</param>
    /// <param name="pathPrefixes">Relative paths to document (e.g. <c>admin/</c>); everything else is left out.</param>
    public static IServiceCollection AddAdminApiDocs(this IServiceCollection services, string title, params string[] pathPrefixes)
    {
        services.AddOpenApi(options =>
        {
            options.ShouldInclude = description =>
                description.RelativePath is { } path && pathPrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal));
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description =
                    "Every call needs `Authorization: Bearer <admin-key>` (the AppHost's `admin-key` parameter; " +
                    "`dotnet user-secrets list --project AppHost`). Errors are application/problem+json with a one-sentence title.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The admin key.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] }];
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapAdminApiDocs(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi();
            app.MapScalarApiReference(ReferencePath, options => options.AddPreferredSecuritySchemes(SchemeName));
        }

        return app;
    }
}
