using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// One running outside client (<see cref="NodeClients.Start"/>) that the test talks to while it runs: its stdout is
/// read line by line as it comes (and kept for the failure message), a line can be written to its stdin. Every wait is
/// bounded; a client still running when disposed is killed with its children.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly string _script;
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _output = new();
    private readonly Task _reading;
    private readonly Task<string> _error;

    internal NodeProcess(string script, ProcessStartInfo info)
    {
        _script = script;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        _reading = ReadAsync();
        _error = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>
    /// The next line of stdout that <paramref name="wanted"/> picks (lines before it are skipped, and kept in the
    /// output); fails with everything so far when the client ends first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<string> ReadLineAsync(Func<string, bool> wanted, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(deadline.Token))
            {
                if (wanted(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"node {_script} printed no expected line within {timeout}:\n{Output()}");
        }

        throw new InvalidOperationException($"node {_script} ended before printing the expected line:\n{await WaitForExitAsync(timeout)}");
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Closes stdin, for a client that reads nothing.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits for the client to end (killing it after <paramref name="timeout"/>) and returns what it printed.</summary>
    public async Task<NodeClients.Run> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {_script} did not finish within {timeout}:\n{await EndAsync()}");
        }

        return await EndAsync();
    }

    private async Task<NodeClients.Run> EndAsync()
    {
        await _process.WaitForExitAsync();
        await _reading;
        return new NodeClients.Run(_process.ExitCode, Output(), await _error);
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }

            _lines.Writer.TryWrite(line);
        }

        _lines.Writer.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _reading;
        await _error;
        _process.Dispose();
    }
}
