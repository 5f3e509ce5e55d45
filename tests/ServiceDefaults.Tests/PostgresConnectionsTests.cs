using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.ServiceDefaults.Tests;

public sealed class PostgresConnectionsTests
{
    [Theory]
    [InlineData("Host=db;Database=authdb", "Host=db;Database=authdb;Max Auto Prepare=32;Keepalive=2")]
    [InlineData("Host=db;Database=authdb;", "Host=db;Database=authdb;Max Auto Prepare=32;Keepalive=2")]
    [InlineData("Host=db;Max Auto Prepare=0", "Host=db;Max Auto Prepare=0;Keepalive=2")]
    [InlineData("Host=db;maxautoprepare=5", "Host=db;maxautoprepare=5;Keepalive=2")]
    [InlineData("Host=db;KeepAlive=30", "Host=db;KeepAlive=30;Max Auto Prepare=32")]
    [InlineData("Host=db;Keepalive=0;Max Auto Prepare=0", "Host=db;Keepalive=0;Max Auto Prepare=0")]
    [InlineData("Host=db;Tcp Keepalive=true", "Host=db;Tcp Keepalive=true;Max Auto Prepare=32;Keepalive=2")]
    [InlineData("", "")]
    [InlineData(null, null)]
    public void Statements_are_prepared_and_idle_connections_pinged_unless_the_connection_string_says_otherwise(string? given, string? expected) =>
        Assert.Equal(expected, PostgresConnections.WithDefaults(given));
}
