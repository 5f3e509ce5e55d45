using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Mnemosyne.Testing;

/// <summary>
/// A TCP proxy on one edge between a service and one of its dependencies (say mcp-host-1 → Redis), on loopback, whose
/// fault can be switched while connections are open: pass, added latency on the answers (fixed plus uniform jitter), a black hole
/// (accepts, never forwards a byte either way, never closes), a one-way partition (what the dependency sends never
/// arrives), or a reset after a number of response bytes (RST, by closing with linger 0). Every fault applies to
/// connections already open — the pooled ones a service really uses — not only to new ones: each chunk is checked
/// against the fault in force when it is forwarded. Hand-written because no fault proxy (toxiproxy or the like) is
/// obtainable here: no Debian or NuGet package provides one. It lives with the test servers because the fault
/// harness (<c>bench -- chaos</c>) and the tests that pin down what it found both put it in front of a real server.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Client, Socket Upstream)> _connections = [];
    private readonly Task _accepting;
    private State _state = new(WireFault.Pass);

    private FaultProxy(string from, string to, int upstreamPort)
    {
        (From, To, UpstreamPort) = (from, to, upstreamPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The service on the near side (<c>mcp-host-1</c>).</summary>
    public string From { get; }

    /// <summary>The dependency on the far side (<c>redis</c>).</summary>
    public string To { get; }

    public int UpstreamPort { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public override string ToString() => $"{From} → {To}";

    /// <summary>Starts forwarding 127.0.0.1:<see cref="Port"/> to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static FaultProxy Start(string from, string to, int upstreamPort) => new(from, to, upstreamPort);

    /// <summary>Puts <paramref name="fault"/> in force for every open and future connection.</summary>
    public void Set(WireFault fault) => Interlocked.Exchange(ref _state, new State(fault)).Changed.TrySetResult();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ConnectAsync(client);
        }
    }

    private async Task ConnectAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, UpstreamPort), _stop.Token);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            // The dependency is down: the service sees its connection closed, as it would without the proxy.
            client.Dispose();
            upstream.Dispose();
            return;
        }

        lock (_connections)
        {
            _connections.Add((client, upstream));
        }

        try
        {
            var toUpstream = PumpAsync(client, upstream, response: false);
            var toClient = PumpAsync(upstream, client, response: true);
            await Task.WhenAny(toUpstream, toClient);
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove((client, upstream));
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>
    /// Copies <paramref name="from"/> to <paramref name="to"/> until either closes or the proxy stops: a reader that
    /// stamps each chunk with when it may be forwarded (latency is a delay line, so pipelined answers are not queued
    /// behind each other's delays), and a writer that forwards it then, unless the fault holds or resets it.
    /// </summary>
    private async Task PumpAsync(Socket from, Socket to, bool response)
    {
        var chunks = Channel.CreateBounded<(byte[] Bytes, long Due)>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        var reading = ReadAsync(from, chunks.Writer, response);
        var (counted, sent) = ((State?)null, 0L);
        try
        {
            await foreach (var (bytes, due) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                var state = await ForwardableAsync(response);
                if (!ReferenceEquals(state, counted))
                {
                    (counted, sent) = (state, 0);
                }

                if (response && state.Fault.Mode == WireFault.Kind.Reset && sent + bytes.Length > state.Fault.ResetAfterBytes)
                {
                    var part = (int)Math.Max(0, state.Fault.ResetAfterBytes - sent);
                    await to.SendAsync(bytes.AsMemory(0, part), SocketFlags.None, _stop.Token);
                    Reset(to);
                    Reset(from);
                    return;
                }

                await to.SendAsync(bytes, SocketFlags.None, _stop.Token);
                sent += bytes.Length;
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            chunks.Writer.TryComplete(); // a reader waiting for room stops too
            await reading;
        }
    }

    private async Task ReadAsync(Socket from, ChannelWriter<(byte[] Bytes, long Due)> chunks, bool response)
    {
        var buffer = new byte[ChunkBytes];
        var last = 0L;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var fault = Volatile.Read(ref _state).Fault;
                var delay = response ? fault.Delay + fault.Jitter * Random.Shared.NextDouble() : TimeSpan.Zero;
                // In order, as TCP delivers: a chunk never overtakes the one before it.
                last = Math.Max(last, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));
                await chunks.WriteAsync((buffer[..read], last), _stop.Token);
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
        }
        finally
        {
            chunks.TryComplete();
        }
    }

    /// <summary>Waits while the fault in force holds this direction (black hole, or the response side of a partition).</summary>
    private async Task<State> ForwardableAsync(bool response)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            var held = state.Fault.Mode == WireFault.Kind.BlackHole || (response && state.Fault.Mode == WireFault.Kind.Partition);
            if (!held)
            {
                return state;
            }

            await state.Changed.Task.WaitAsync(_stop.Token);
        }
    }

    /// <summary>Closes with linger 0, so the peer gets a TCP RST instead of an orderly close.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_connections)
        {
            foreach (var (client, upstream) in _connections)
            {
                client.Dispose();
                upstream.Dispose();
            }
        }

        _stop.Dispose();
    }

    /// <summary>One fault put in force, and the signal that it was replaced (which releases held chunks).</summary>
    private sealed class State(WireFault fault)
    {
        public WireFault Fault { get; } = fault;

        public TaskCompletionSource Changed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>What a <see cref="FaultProxy"/> does to the bytes it forwards.</summary>
public sealed record WireFault(WireFault.Kind Mode, TimeSpan Delay = default, TimeSpan Jitter = default, long ResetAfterBytes = 0)
{
    public enum Kind
    {
        Pass,

        /// <summary>Every response chunk waits <see cref="Delay"/> plus up to <see cref="Jitter"/>: the dependency answers that much later.</summary>
        Latency,

        /// <summary>Connections are accepted; nothing is forwarded either way; nothing is closed.</summary>
        BlackHole,

        /// <summary>One way: what the service sends arrives, what the dependency sends back does not.</summary>
        Partition,

        /// <summary>Each connection is reset (RST) after <see cref="ResetAfterBytes"/> response bytes.</summary>
        Reset,
    }

    public static WireFault Pass { get; } = new(Kind.Pass);

    public static WireFault Latency(TimeSpan delay, TimeSpan jitter = default) => new(Kind.Latency, delay, jitter);

    public static WireFault BlackHole { get; } = new(Kind.BlackHole);

    public static WireFault Partition { get; } = new(Kind.Partition);

    public static WireFault ResetAfter(long responseBytes) => new(Kind.Reset, ResetAfterBytes: responseBytes);
}
