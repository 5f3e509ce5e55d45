using System.Diagnostics;
using System.Globalization;

namespace Mnemosyne.Testing;

/// <summary>
/// One service (auth-service or mcp-host) run as its own process from its build, as a deployment runs it, so a
/// fault can SIGKILL it and start it again on the same port (the fault harness), or a generated solution's build can
/// be run as it is (the template tests). Counts the error-level lines it writes (the console
/// logger's <c>fail:</c> and <c>crit:</c>), keeps the last few, and reads its memory and open handles from
/// <c>/proc</c>.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Queue<string> _errors = new();
    private Process? _process;
    private long _errorLines;

    private ServiceProcess(string name, string dll, int port, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        _dll = dll;
        Port = port;
        _environment = environment;
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public HttpClient Http { get; }

    /// <summary>Error-level log lines written since the process was first started.</summary>
    public long ErrorLines => Interlocked.Read(ref _errorLines);

    /// <summary>Starts <paramref name="project"/>'s built assembly with <paramref name="environment"/> and waits for its <c>/health</c>.</summary>
    public static Task<ServiceProcess> StartAsync(string name, string project, int port, IReadOnlyDictionary<string, string> environment) =>
        StartAssemblyAsync(name, BuiltAssembly(project), port, environment);

    /// <summary>Starts the service assembly <paramref name="dll"/> (any build of it) and waits for its <c>/health</c>.</summary>
    public static async Task<ServiceProcess> StartAssemblyAsync(string name, string dll, int port, IReadOnlyDictionary<string, string> environment)
    {
        var service = new ServiceProcess(name, dll, port, environment);
        await service.StartAgainAsync();
        return service;
    }

    /// <summary>Starts the process (again, after <see cref="Kill"/>) on the same port and waits until it is healthy.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
        };
        info.ArgumentList.Add(_dll);
        info.Environment["ASPNETCORE_URLS"] = Address.ToString().TrimEnd('/');
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Name}.");
        process.OutputDataReceived += (_, line) => Read(line.Data);
        process.ErrorDataReceived += (_, line) => Read(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose(); // the one killed before this start
        _process = process;
        await WaitUntilHealthyAsync(process);
    }

    /// <summary>SIGKILL: no shutdown, no flush, connections cut mid-request.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit(10_000);
    }

    /// <summary>Resident memory (bytes) and open file descriptors (sockets included) of the running process.</summary>
    public (long ResidentBytes, int Handles) Sample()
    {
        var pid = _process?.Id ?? throw new InvalidOperationException($"{Name} is not running.");
        var rss = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kilobytes = long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (kilobytes * 1024, Directory.GetFiles($"/proc/{pid}/fd").Length);
    }

    /// <summary>The last error-level lines (at most ten), for the report.</summary>
    public IReadOnlyList<string> RecentErrors()
    {
        lock (_errors)
        {
            return [.. _errors];
        }
    }

    private void Read(string? line)
    {
        if (line is null || !(line.StartsWith("fail: ", StringComparison.Ordinal) || line.StartsWith("crit: ", StringComparison.Ordinal)))
        {
            return;
        }

        Interlocked.Increment(ref _errorLines);
        lock (_errors)
        {
            _errors.Enqueue(line);
            if (_errors.Count > 10)
            {
                _errors.Dequeue();
            }
        }
    }

    private async Task WaitUntilHealthyAsync(Process process)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{Name} did not become healthy on port {Port} (exited: {process.HasExited}). " +
                                            string.Join(" | ", RecentErrors()));
    }

    /// <summary>The project's build beside this one, in the same configuration (whoever uses this references both services, so building it builds them).</summary>
    private static string BuiltAssembly(string project)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(Repository.Root, project, "bin", configuration, framework, project + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{project}.dll not found next to this build ({dll}); build the solution first.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        Http.Dispose();
    }
}
