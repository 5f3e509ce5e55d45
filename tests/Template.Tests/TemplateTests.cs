using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.Template.Tests;

/// <summary>
/// <c>dotnet new mnemosyne</c> as a user runs it (<see cref="TemplatePackage"/>): each option combination is renamed
/// throughout, carries nothing of this repository's own (history, recorded runs, screenshots, CI), keeps what its
/// options say, and builds with warnings as errors; one of them is started and answers an authenticated
/// <c>search</c> through a real MCP client.
/// </summary>
public sealed partial class TemplateTests(TemplatePackage template, TestServers servers) : IClassFixture<TemplatePackage>
{
    private const string Name = "Contoso.Knowledge";

    [Theory]
    [InlineData("both", true, true, Build.Product)]
    [InlineData("neo4j", true, false, Build.None)]
    [InlineData("postgres", false, false, Build.SolutionAndRun)]
    public async Task A_generated_solution_is_the_users_own_and_builds(string libraryStore, bool sampleLibrary, bool bench, Build build)
    {
        var output = await template.InstantiateAsync(Name, "--library-store", libraryStore,
            "--sample-library", sampleLibrary ? "true" : "false", "--bench", bench ? "true" : "false");
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).ToList();

        // Renamed everywhere, and nothing left of the template's own markers.
        Assert.Contains($"{Name}.sln", files);
        Assert.DoesNotContain(files, f => f.Contains("mnemosyne", StringComparison.OrdinalIgnoreCase));
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(Path.Combine(output, file), TestContext.Current.CancellationToken);
            Assert.False(text.Contains("mnemosyne", StringComparison.OrdinalIgnoreCase), $"{file} still says Mnemosyne.");
            Assert.False(TemplateMarker().IsMatch(text), $"{file} still holds a template condition.");
        }

        Assert.Contains($"using {Name}.McpHost;", await File.ReadAllTextAsync(Path.Combine(output, "McpHost", "Program.cs"), TestContext.Current.CancellationToken),
            StringComparison.Ordinal);

        // Nothing of this repository's own.
        Assert.DoesNotContain(files, f => f.StartsWith(".git/", StringComparison.Ordinal) || f.StartsWith(".ci/", StringComparison.Ordinal)
            || f.StartsWith("template/", StringComparison.Ordinal) || f.StartsWith(".template.config/", StringComparison.Ordinal)
            || f.StartsWith("tests/Template.Tests/", StringComparison.Ordinal)
            || f.EndsWith(".png", StringComparison.Ordinal) || f.Contains("/bin/", StringComparison.Ordinal)
            || f.Contains("/obj/", StringComparison.Ordinal) || f.Contains("node_modules", StringComparison.Ordinal) || f.Contains(".data", StringComparison.Ordinal));
        var readme = await File.ReadAllTextAsync(Path.Combine(output, "README.md"), TestContext.Current.CancellationToken);
        Assert.Contains("## What to change first", readme, StringComparison.Ordinal);

        // The options took effect.
        Assert.Contains($"\"LibraryStore\": \"{libraryStore}\"", await File.ReadAllTextAsync(Path.Combine(output, "AppHost", "appsettings.json"),
            TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(libraryStore != "postgres", files.Any(f => Path.GetFileName(f).Contains("Neo4j", StringComparison.Ordinal)));
        Assert.Equal(sampleLibrary, files.Contains(Path.Combine("AppHost", "SampleLibraryCommand.cs")));
        Assert.Equal(bench, files.Any(f => f.StartsWith("bench/", StringComparison.Ordinal)));
        if (bench)
        {
            // The benchmark's and the fault harness's method ship; this repository's recorded runs do not.
            Assert.DoesNotContain("| baseline again |", await File.ReadAllTextAsync(Path.Combine(output, "docs", "benchmark.md"), TestContext.Current.CancellationToken),
                StringComparison.Ordinal);
            Assert.DoesNotContain("| soak, 30 min", await File.ReadAllTextAsync(Path.Combine(output, "docs", "reliability.md"), TestContext.Current.CancellationToken),
                StringComparison.Ordinal);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(output, "test.sh")).HasFlag(UnixFileMode.UserExecute), "test.sh is not executable.");
        }
        Assert.Contains("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>",
            await File.ReadAllTextAsync(Path.Combine(output, "Directory.Build.props"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // Builds with warnings as errors: the whole solution (tests too) where it is run, the product (AppHost and both
        // services) for the default options; the third is instantiated and checked only (a build is a minute of CI).
        if (build != Build.None)
        {
            var target = build == Build.SolutionAndRun ? Path.Combine(output, $"{Name}.sln") : Path.Combine(output, "AppHost", "AppHost.csproj");
            await TemplatePackage.RunAsync("dotnet", ["build", target, "-c", "Release"], output, TimeSpan.FromMinutes(10));
        }

        if (build == Build.SolutionAndRun)
        {
            await SearchesAsync(output);
        }
    }

    public enum Build
    {
        None,
        Product,
        SolutionAndRun,
    }

    /// <summary>Starts the generated auth-service and mcp-host against the test Postgres and Redis and searches with a token.</summary>
    private async Task SearchesAsync(string output)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync($"authdb_{suffix}");
        await servers.Postgres.CreateDatabaseAsync($"librarydb_{suffix}");
        var (adminKey, internalKey) = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"));
        var mcpPort = ExternalProcess.FreePort();
        var shared = new Dictionary<string, string>
        {
            // The authorization server is on by default; its issuer is mcp-host's origin, as the AppHost passes it.
            ["Auth__AuthorizationServer__Issuer"] = $"http://127.0.0.1:{mcpPort}",
            ["ConnectionStrings__librarydb"] = servers.Postgres.ConnectionString($"librarydb_{suffix}"),
            ["ConnectionStrings__redis"] = servers.Redis.ConnectionString,
            ["Auth__AdminKey"] = adminKey,
            ["Auth__InternalKey"] = internalKey,
        };
        string Built(string project) => Path.Combine(output, project, "bin", "Release", "net10.0", project + ".dll");

        await using var auth = await ServiceProcess.StartAssemblyAsync("auth-service", Built("AuthService"), ExternalProcess.FreePort(),
            new Dictionary<string, string>(shared) { ["ConnectionStrings__authdb"] = servers.Postgres.ConnectionString($"authdb_{suffix}") });
        await using var mcp = await ServiceProcess.StartAssemblyAsync("mcp-host", Built("McpHost"), mcpPort,
            new Dictionary<string, string>(shared) { ["services__auth-service__http__0"] = auth.Address.ToString().TrimEnd('/') });

        var api = new AuthApi(auth.Http, adminKey, internalKey);
        var (_, token) = await api.CreateTokenAsync(await api.CreateUserAsync(), ["handbook"]);
        using var admin = new HttpClient { BaseAddress = mcp.Address };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        (await admin.PutAsJsonAsync("/admin/v1/libraries/handbook", new { name = "Handbook", workspace = "ws" }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/admin/v1/libraries/handbook/documents/leave",
            new { title = "Leave policy", content = "Ask your manager two weeks ahead." }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(mcp.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }), cancellationToken: TestContext.Current.CancellationToken);
        var result = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "manager" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("\"document\":\"leave\"", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    /// <summary>A condition of the template left in a file: <c>//#if</c>, <c>&lt;!--#if</c>, or <c>#if (</c> at a line's start.</summary>
    [GeneratedRegex(@"^\s*(//#(if|elseif|else|endif)\b|<!--#(if|elseif|else|endif)\b|#(if|elseif) \(|#endif\s*$)", RegexOptions.Multiline)]
    private static partial Regex TemplateMarker();
}
