using Mnemosyne.AppHost;
using Npgsql;

namespace Mnemosyne.Testing;

/// <summary>A throw-away Postgres: initdb into a temp dir, started on a random loopback port, removed on dispose.</summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly string _root;
    private readonly string _binDirectory;

    private PostgresServer(string root, string binDirectory, int port)
    {
        _root = root;
        _binDirectory = binDirectory;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_root, "data");

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinDirectory();
        var root = Path.Combine(Path.GetTempPath(), "mnemosyne-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        LocalExecutables.GiveTo(root, "postgres");

        var server = new PostgresServer(root, bin, ExternalProcess.FreePort());
        await server.PgAsync("initdb", ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Stops the server (an outage: clients' connections are closed, new ones refused); dispose still cleans up.</summary>
    public Task StopAsync() => PgAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"]);

    /// <summary>Starts it, with its data, on the same port: the end of an outage (also the first start).</summary>
    public Task StartAgainAsync() =>
        PgAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400", "start"]);

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=10";

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private Task PgAsync(string tool, string[] arguments) =>
        ExternalProcess.RunAsync(ExternalProcess.StartInfo(Path.Combine(_binDirectory, tool), arguments, runAs: "postgres"), CommandTimeout);

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        return LocalExecutables.PostgresBin() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found: install them (apt-get install -y postgresql) or set PG_BIN.");
    }
}
