using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.ServiceDefaults.Tests;

public sealed class PostgresConnectionsTests
{
    [Theory]
    [InlineData("Host=db;Database=authdb", "Host=db;Database=authdb;Max Auto Prepare=32")]
    [InlineData("Host=db;Database=authdb;", "Host=db;Database=authdb;Max Auto Prepare=32")]
    [InlineData("Host=db;Max Auto Prepare=0", "Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;maxautoprepare=5", "Host=db;maxautoprepare=5")]
    [InlineData("", "")]
    [InlineData(null, null)]
    public void Statements_are_prepared_automatically_unless_the_connection_string_says_otherwise(string? given, string? expected) =>
        Assert.Equal(expected, PostgresConnections.WithAutoPrepare(given));
}
