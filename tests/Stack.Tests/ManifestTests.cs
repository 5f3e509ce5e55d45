using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Mnemosyne.Stack.Tests;

/// <summary>What azd deploys: the manifest `dotnet run --project AppHost -- --publisher manifest` writes.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task The_manifest_holds_every_resource_keeps_auth_service_internal_and_no_secret_value()
    {
        var output = Path.Combine(Path.GetTempPath(), "mnemosyne-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        const string adminKey = "admin-key-value-that-must-not-appear-0001";
        const string internalKey = "internal-key-value-that-must-not-appear-01";
        try
        {
            await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath,
                $"--Parameters:admin-key={adminKey}", $"--Parameters:internal-key={internalKey}");
            var text = await File.ReadAllTextAsync(manifestPath, TestContext.Current.CancellationToken);
            var resources = JsonDocument.Parse(text).RootElement.GetProperty("resources");

            foreach (var name in new[] { "postgres", "authdb", "librarydb", "redis", "neo4j", "auth-service", "mcp-host", "admin-key", "internal-key" })
            {
                Assert.True(resources.TryGetProperty(name, out _), $"The manifest has no '{name}'.");
            }

            Assert.Equal("container.v0", resources.GetProperty("neo4j").GetProperty("type").GetString());
            Assert.StartsWith("neo4j:5.26", resources.GetProperty("neo4j").GetProperty("image").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("Endpoint={neo4j.bindings.http.url};Username=neo4j;Password={neo4j-password.value}",
                resources.GetProperty("neo4j").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
            foreach (var service in new[] { "auth-service", "mcp-host" })
            {
                Assert.Equal("{neo4j.connectionString}", resources.GetProperty(service).GetProperty("env").GetProperty("ConnectionStrings__neo4j").GetString());
            }

            Assert.DoesNotContain(Bindings(resources, "auth-service"), b => b.TryGetProperty("external", out var e) && e.GetBoolean());
            Assert.Contains(Bindings(resources, "mcp-host"), b => b.TryGetProperty("external", out var e) && e.GetBoolean());
            Assert.True(resources.GetProperty("admin-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            Assert.DoesNotContain(adminKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(internalKey, text, StringComparison.Ordinal);
            Assert.False(resources.TryGetProperty("infrastructure", out _), "The run-mode notice must not be deployed.");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static IEnumerable<JsonElement> Bindings(JsonElement resources, string name) =>
        resources.GetProperty(name).GetProperty("bindings").EnumerateObject().Select(b => b.Value);

    /// <summary>Runs the already-built AppHost the way azd does, in the configuration these tests were built in.</summary>
    private static async Task RunAppHostAsync(params string[] arguments)
    {
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["run", "--project", Projects.AppHost.ProjectPath, "--no-build", "-c", configuration, "--", .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(process.ExitCode == 0, $"The AppHost exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
