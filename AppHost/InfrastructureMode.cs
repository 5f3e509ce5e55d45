using System.Diagnostics;

namespace Mnemosyne.AppHost;

/// <summary>Where Postgres, Redis and Neo4j come from: containers, or local executables.</summary>
public enum Infrastructure
{
    Containers,
    Local,
}

public static class InfrastructureMode
{
    public const string SettingName = "Infrastructure";

    /// <summary>
    /// Publish mode always uses containers. Otherwise <c>--Infrastructure=containers|local</c> decides, and without it a
    /// healthy container runtime (<c>ASPIRE_CONTAINER_RUNTIME</c>, else docker, else podman: <c>info</c> exits 0) means
    /// containers.
    /// </summary>
    public static (Infrastructure Mode, string Why) Choose(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return (Infrastructure.Containers, "publish mode always uses containers");
        }

        var setting = builder.Configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(setting) && !setting.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return Enum.TryParse<Infrastructure>(setting, ignoreCase: true, out var chosen)
                ? (chosen, $"{SettingName}={setting}")
                : throw new InvalidOperationException($"{SettingName} must be 'containers', 'local' or 'auto', not '{setting}'.");
        }

        var runtimes = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } configured
            ? [configured]
            : new[] { "docker", "podman" };
        foreach (var runtime in runtimes)
        {
            if (Answers(runtime))
            {
                return (Infrastructure.Containers, $"`{runtime} info` succeeded");
            }
        }

        return (Infrastructure.Local, $"no healthy container runtime ({string.Join(", ", runtimes)})");
    }

    private static bool Answers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
