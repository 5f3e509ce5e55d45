using Aspire.Hosting.Testing;

namespace Mnemosyne.Stack.Tests;

public sealed class MissingBinaryTests
{
    [Fact]
    public async Task Local_mode_without_postgres_binaries_stops_naming_the_package_to_install()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                ["--Infrastructure=local", "--AppHost:PostgresBin=/nonexistent/postgresql/bin",
                    $"--AppHost:DataDirectory={Path.Combine(Path.GetTempPath(), "mnemosyne-missing-" + Guid.NewGuid().ToString("N")[..8])}"],
                TestContext.Current.CancellationToken);
            await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        });

        Assert.Contains("apt-get install postgresql", failure.ToString(), StringComparison.Ordinal);
    }

//#if (LibraryStore != "postgres")
    [Fact]
    public async Task Neo4j_only_without_a_way_to_run_neo4j_stops_saying_what_to_install()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                ["--Infrastructure=local", "--AppHost:LibraryStore=neo4j", "--AppHost:Neo4jCommand=/nonexistent/neo4j",
                    $"--AppHost:DataDirectory={Path.Combine(Path.GetTempPath(), "mnemosyne-missing-" + Guid.NewGuid().ToString("N")[..8])}"],
                TestContext.Current.CancellationToken);
            await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        });

        Assert.Contains("AppHost:LibraryStore is neo4j, but Neo4j cannot run here: put neo4j on PATH", failure.ToString(), StringComparison.Ordinal);
    }
//#endif
}
