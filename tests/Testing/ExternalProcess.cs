using System.Diagnostics;
using Mnemosyne.AppHost;

namespace Mnemosyne.Testing;

/// <summary>
/// Runs the server binaries the tests need, as the AppHost runs them (<see cref="LocalExecutables"/>): as root,
/// Postgres commands run as the <c>postgres</c> user.
/// </summary>
public static class ExternalProcess
{
    public static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments, string? runAs = null)
    {
        var (command, prefix) = runAs is null ? (executable, []) : LocalExecutables.AsUser(executable, runAs);
        var info = new ProcessStartInfo
        {
            FileName = command,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Runs to completion within <paramref name="timeout"/>; throws with its output when it fails.</summary>
    public static async Task RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
