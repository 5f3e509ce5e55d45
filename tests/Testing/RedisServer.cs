using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Mnemosyne.Testing;

/// <summary>A throw-away <c>redis-server</c> on a random loopback port, with no persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process _process;

    private RedisServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
        _process = Launch();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "mnemosyne-redis-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var server = new RedisServer(directory, ExternalProcess.FreePort());
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Starts it again, empty, on the same port, after <see cref="StopAsync"/> (the end of an outage).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process.Dispose();
        _process = Launch();
        await WaitUntilReadyAsync();
    }

    /// <summary>Stops the server (to test an outage); dispose still cleans up.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Process Launch()
    {
        var info = ExternalProcess.StartInfo("redis-server",
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", _directory]);
        var process = Process.Start(info) ?? throw new InvalidOperationException(
            "Could not start redis-server: install it (apt-get install -y redis-server).");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is SocketException or IOException or TimeoutException && DateTime.UtcNow < deadline)
            {
            }

            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not become ready.");
            }

            await Task.Delay(50);
        }
    }
}
