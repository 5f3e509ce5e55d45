using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Mnemosyne.AppHost;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// No Neo4j can run on this machine, so this checks what the AppHost builds when one is installed: the server command,
/// its generated neo4j.conf, the one-time password step and the contract's connection string.
/// </summary>
public sealed class LocalNeo4jWiringTests
{
    [Fact]
    public async Task A_local_neo4j_is_configured_on_loopback_ports_with_its_password_set_once()
    {
        var root = Path.Combine(Path.GetTempPath(), "mnemosyne-neo4j-" + Guid.NewGuid().ToString("N")[..8]);
        var bin = Path.Combine(root, "bin");
        Directory.CreateDirectory(bin);
        var command = Path.Combine(bin, "neo4j");
        await File.WriteAllTextAsync(command, "#!/bin/sh\n", TestContext.Current.CancellationToken);
        try
        {
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                ["--Infrastructure=local", $"--AppHost:Neo4jCommand={command}", $"--AppHost:DataDirectory={Path.Combine(root, "data")}"],
                TestContext.Current.CancellationToken);

            var neo4j = Assert.IsType<LocalNeo4jResource>(builder.Resources.Single(r => r.Name == "neo4j"));
            var init = Assert.IsType<ExecutableResource>(builder.Resources.Single(r => r.Name == "neo4j-init"));
            var ports = neo4j.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name, e => e.TargetPort);
            var conf = await File.ReadAllTextAsync(Path.Combine(root, "data", "neo4j", "conf", "neo4j.conf"), TestContext.Current.CancellationToken);

            Assert.Equal(command, neo4j.Command);
            Assert.Equal(Path.Combine(bin, "neo4j-admin"), init.Command);
            Assert.Contains($"server.http.listen_address=127.0.0.1:{ports["http"]}", conf, StringComparison.Ordinal);
            Assert.Contains($"server.bolt.listen_address=127.0.0.1:{ports["bolt"]}", conf, StringComparison.Ordinal);
            Assert.Contains("dbms.security.auth_enabled=true", conf, StringComparison.Ordinal);
            Assert.Contains($"server.directories.data={Path.Combine(root, "data", "neo4j", "data")}", conf, StringComparison.Ordinal);
            var connectionString = neo4j.ConnectionStringExpression.ValueExpression;
            Assert.StartsWith("Endpoint={neo4j.bindings.http.url};Username=neo4j;Password={neo4j-password.value};Database=neo4j",
                connectionString, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
