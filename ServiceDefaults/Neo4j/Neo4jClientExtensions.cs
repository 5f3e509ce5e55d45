using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Mnemosyne.ServiceDefaults.Neo4j;

/// <summary>The Neo4j client integration: <c>builder.AddNeo4jHttpClient("neo4j")</c>, like Aspire's own clients.</summary>
public static class Neo4jClientExtensions
{
    /// <summary>Default time one statement may take, retries excluded (there are none: writes are not retried).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>True when <c>ConnectionStrings:{name}</c> is set, which makes Neo4j the library store (CONTRACT §1).</summary>
    public static bool HasNeo4j(this IConfiguration configuration, string name = "neo4j") =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(name));

    public static IHostApplicationBuilder AddNeo4jHttpClient(this IHostApplicationBuilder builder, string name = "neo4j")
    {
        var connection = Neo4jConnection.Parse(builder.Configuration.GetConnectionString(name)
            ?? throw new InvalidOperationException($"ConnectionStrings:{name} is not set."));
        var timeout = builder.Configuration.GetValue($"Neo4j:TimeoutSeconds", DefaultTimeout.TotalSeconds);

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: statements include writes, which must not be retried blindly.
        builder.Services.AddHttpClient(name, http => http.Timeout = TimeSpan.FromSeconds(timeout)).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton(sp => new Neo4jHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(name), connection));
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(Neo4jHttpClient.ActivitySourceName));
        return builder;
    }
}
