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

            string[] names =
            [
                "postgres", "authdb", "redis", "auth-service", "mcp-host", "admin-key", "internal-key",
//#if (LibraryStore != "neo4j")
                "librarydb",
//#endif
//#if (LibraryStore != "postgres")
                "neo4j",
//#endif
            ];
            foreach (var name in names)
            {
                Assert.True(resources.TryGetProperty(name, out _), $"The manifest has no '{name}'.");
            }

//#if (LibraryStore != "postgres")
            Assert.Equal("container.v0", resources.GetProperty("neo4j").GetProperty("type").GetString());
            Assert.StartsWith("neo4j:5.26", resources.GetProperty("neo4j").GetProperty("image").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("Endpoint={neo4j.bindings.http.url};Username=neo4j;Password={neo4j-password.value}",
                resources.GetProperty("neo4j").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
            foreach (var service in new[] { "auth-service", "mcp-host" })
            {
                Assert.Equal("{neo4j.connectionString}", resources.GetProperty(service).GetProperty("env").GetProperty("ConnectionStrings__neo4j").GetString());
            }
//#endif

            Assert.DoesNotContain(Bindings(resources, "auth-service"), b => b.TryGetProperty("external", out var e) && e.GetBoolean());
            Assert.Contains(Bindings(resources, "mcp-host"), b => b.TryGetProperty("external", out var e) && e.GetBoolean());
            Assert.True(resources.GetProperty("admin-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            Assert.DoesNotContain(adminKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(internalKey, text, StringComparison.Ordinal);
            Assert.False(resources.TryGetProperty("infrastructure", out _), "The run-mode notice must not be deployed.");
            Assert.DoesNotContain(resources.EnumerateObject(), r => r.Name.StartsWith("oauth-", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task OAuth_settings_given_to_the_AppHost_reach_both_services_as_parameters_azd_deploys()
    {
        var output = Path.Combine(Path.GetTempPath(), "mnemosyne-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        try
        {
            await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath,
                "--Parameters:admin-key=admin-key-value-for-the-oauth-manifest-01", "--Parameters:internal-key=internal-key-value-for-the-oauth-manifest",
                "--Auth:OAuth:Issuers:0:Issuer=https://login.microsoftonline.com/tenant-id/v2.0",
                "--Auth:OAuth:Issuers:0:Audiences:0=api-app-id", "--Auth:OAuth:Issuers:0:GroupsClaim=roles");
            var text = await File.ReadAllTextAsync(manifestPath, TestContext.Current.CancellationToken);
            var resources = JsonDocument.Parse(text).RootElement.GetProperty("resources");

            Assert.Equal("https://login.microsoftonline.com/tenant-id/v2.0",
                resources.GetProperty("oauth-issuer-0").GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("value").GetString());
            foreach (var service in new[] { "auth-service", "mcp-host" })
            {
                var env = resources.GetProperty(service).GetProperty("env");
                Assert.Equal("{oauth-issuer-0.value}", env.GetProperty("Auth__OAuth__Issuers__0__Issuer").GetString());
                Assert.Equal("{oauth-issuer-0-audience-0.value}", env.GetProperty("Auth__OAuth__Issuers__0__Audiences__0").GetString());
                Assert.Equal("{oauth-issuer-0-groups-claim.value}", env.GetProperty("Auth__OAuth__Issuers__0__GroupsClaim").GetString());
                Assert.False(env.TryGetProperty("Auth__OAuth__RequiredScope", out _), "An unset scope keeps the services' default.");
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Upstream_sign_in_settings_reach_auth_service_alone_and_the_client_secret_stays_out_of_the_manifest()
    {
        var output = Path.Combine(Path.GetTempPath(), "mnemosyne-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        const string secret = "upstream-client-secret-value-never-in-the-manifest";
        try
        {
            await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath,
                "--Parameters:admin-key=admin-key-value-for-the-upstream-manifest", "--Parameters:internal-key=internal-key-value-for-the-upstream-manifes",
                "--Auth:AuthorizationServer:Upstream:0:Issuer=https://login.microsoftonline.com/tenant-id/v2.0",
                "--Auth:AuthorizationServer:Upstream:0:ClientId=mnemosyne-app-id", $"--Auth:AuthorizationServer:Upstream:0:ClientSecret={secret}",
                "--Auth:AuthorizationServer:Upstream:0:GroupsClaim=roles", "--Auth:AuthorizationServer:Upstream:0:Scopes:0=openid");
            var text = await File.ReadAllTextAsync(manifestPath, TestContext.Current.CancellationToken);
            var resources = JsonDocument.Parse(text).RootElement.GetProperty("resources");
            var auth = resources.GetProperty("auth-service").GetProperty("env");

            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.True(resources.GetProperty("upstream-0-client-secret").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            Assert.Equal("https://login.microsoftonline.com/tenant-id/v2.0",
                resources.GetProperty("upstream-0-issuer").GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("value").GetString());
            Assert.Equal("{upstream-0-issuer.value}", auth.GetProperty("Auth__AuthorizationServer__Upstream__0__Issuer").GetString());
            Assert.Equal("{upstream-0-client-id.value}", auth.GetProperty("Auth__AuthorizationServer__Upstream__0__ClientId").GetString());
            Assert.Equal("{upstream-0-client-secret.value}", auth.GetProperty("Auth__AuthorizationServer__Upstream__0__ClientSecret").GetString());
            Assert.Equal("{upstream-0-groups-claim.value}", auth.GetProperty("Auth__AuthorizationServer__Upstream__0__GroupsClaim").GetString());
            Assert.Equal("{upstream-0-scope-0.value}", auth.GetProperty("Auth__AuthorizationServer__Upstream__0__Scopes__0").GetString());
            Assert.DoesNotContain(resources.GetProperty("mcp-host").GetProperty("env").EnumerateObject(),
                e => e.Name.StartsWith("Auth__AuthorizationServer__Upstream", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("postgres", "librarydb", "neo4j")]
//#if (LibraryStore != "postgres")
    [InlineData("neo4j", "neo4j", "librarydb")]
//#endif
    public async Task A_single_library_store_deploys_that_store_alone_to_both_services(string setting, string present, string absent)
    {
        var output = Path.Combine(Path.GetTempPath(), "mnemosyne-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        try
        {
            await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath, $"--AppHost:LibraryStore={setting}",
                "--Parameters:admin-key=admin-key-value-for-the-store-manifest-01", "--Parameters:internal-key=internal-key-value-for-the-store-manifest");
            var resources = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, TestContext.Current.CancellationToken))
                .RootElement.GetProperty("resources");

            Assert.True(resources.TryGetProperty(present, out _), $"The manifest has no '{present}'.");
            Assert.False(resources.TryGetProperty(absent, out _), $"AppHost:LibraryStore={setting}, yet the manifest has '{absent}'.");
            foreach (var service in new[] { "auth-service", "mcp-host" })
            {
                var env = resources.GetProperty(service).GetProperty("env");
                Assert.True(env.TryGetProperty($"ConnectionStrings__{present}", out _), $"{service} is not given {present}.");
                Assert.False(env.TryGetProperty($"ConnectionStrings__{absent}", out _), $"{service} is given {absent}.");
            }
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
