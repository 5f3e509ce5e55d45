using System.Diagnostics;

namespace Mnemosyne.AppHost;

/// <summary>
/// Finding server binaries and running them as the right user, for local infrastructure. The test servers
/// (tests/Testing) compile this same file: they cannot reference the AppHost, and it must not reference them.
/// </summary>
internal static class LocalExecutables
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Command and leading arguments that run <paramref name="executable"/> as <paramref name="user"/> when we are root.</summary>
    public static (string Command, string[] Prefix) AsUser(string executable, string user) =>
        IsRoot ? ("runuser", ["-u", user, "--", executable]) : (executable, []);

    /// <summary>The newest Debian PostgreSQL server binaries (<c>/usr/lib/postgresql/N/bin</c>), else initdb's folder on PATH, or null.</summary>
    public static string? PostgresBin()
    {
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return debian ?? (OnPath("initdb") is { } initdb ? Path.GetDirectoryName(initdb) : null);
    }

    /// <summary>
    /// When we are root, makes sure <paramref name="user"/> can reach <paramref name="path"/> below
    /// <paramref name="dataRoot"/>: the data root itself (ours, e.g. a 0700 <c>mktemp -d</c> folder) gets the search
    /// bit for others; a folder above it that others cannot enter stops start-up at once, naming it and the fix,
    /// instead of leaving the server "Failed to start" and everything else waiting.
    /// </summary>
    public static void EnsureReachable(string dataRoot, string path, string user)
    {
        if (!IsRoot || OperatingSystem.IsWindows())
        {
            return;
        }

        var root = Path.GetFullPath(dataRoot);
        var mode = File.GetUnixFileMode(root);
        if (!mode.HasFlag(UnixFileMode.OtherExecute))
        {
            File.SetUnixFileMode(root, mode | UnixFileMode.OtherExecute);
        }

        for (var folder = Path.GetDirectoryName(root); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (!File.GetUnixFileMode(folder).HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException(
                    $"The '{user}' user cannot reach {path}: {folder} does not let other users enter it. Choose a data " +
                    $"folder outside it (--AppHost:DataDirectory=/var/tmp/mnemosyne) or allow entering it (chmod o+x {folder}).");
            }
        }
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="user"/> when we are root (Postgres refuses to run as root).</summary>
    public static void GiveTo(string path, string user)
    {
        if (!IsRoot)
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", $"{user}:{user}", path]);
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not give {path} to the '{user}' user (chown exited {chown.ExitCode}).");
        }
    }
}
