using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.ServiceDefaults.Tests;

public sealed class Neo4jHttpClientTests
{
    private const string QueryApi = "/db/neo4j/query/v2";
    private const string TxCommit = "/db/neo4j/tx/commit";
    private const string Statement = "MATCH (l:Library) WHERE l.workspace_id IN $ws RETURN l.uid";
    private static readonly Neo4jConnection Connection = Neo4jConnection.Parse("Endpoint=http://neo4j.test:7474;Username=neo4j;Password=s3cret-pass;Database=neo4j");
    private static readonly Dictionary<string, object?> Parameters = new() { ["ws"] = new[] { "ws-1", "x'}) DETACH DELETE l //" } };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Query_api_result_is_read_and_values_travel_only_as_parameters()
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, HttpStatusCode.Accepted,
            """{"data":{"fields":["l.uid"],"values":[["lib-a"],["lib-b"]]},"bookmarks":["FB:kcw"]}""");

        var result = await Client(neo4j).RunAsync("libraries_in_workspaces", Statement, Parameters, Cancel);

        Assert.Equal(["l.uid"], result.Fields);
        Assert.Equal(["lib-a", "lib-b"], result.Rows.Select(r => r[0].GetString()).ToArray());
        var (path, body, authorization) = Assert.Single(neo4j.Requests);
        Assert.Equal(QueryApi, path);
        Assert.Equal(Statement, body.GetProperty("statement").GetString());
        Assert.Equal(["ws-1", "x'}) DETACH DELETE l //"],
            body.GetProperty("parameters").GetProperty("ws").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal("Basic " + Convert.ToBase64String("neo4j:s3cret-pass"u8.ToArray()), authorization);
    }

    [Fact]
    public async Task Empty_results_have_fields_and_no_rows()
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, HttpStatusCode.Accepted, """{"data":{"fields":["l.uid"],"values":[]}}""");

        var result = await Client(neo4j).RunAsync("op", Statement, Parameters, Cancel);

        Assert.Equal(["l.uid"], result.Fields);
        Assert.Empty(result.Rows);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Accepted)]
    [InlineData(HttpStatusCode.BadRequest)]
    public async Task An_errors_array_is_a_query_error_whatever_the_status(HttpStatusCode status)
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, status,
            """{"errors":[{"code":"Neo.ClientError.Statement.SyntaxError","message":"Invalid input 'MATC'"}]}""");

        var failure = await Assert.ThrowsAsync<Neo4jQueryException>(() => Client(neo4j).RunAsync("op", "MATC (n) RETURN n", null, Cancel));

        Assert.Equal("Neo.ClientError.Statement.SyntaxError", failure.Code);
        Assert.Contains("Invalid input", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_credentials_say_so_without_the_password()
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, HttpStatusCode.Unauthorized,
            """{"errors":[{"code":"Neo.ClientError.Security.Unauthorized","message":"Invalid username or password."}]}""");

        var failure = await Assert.ThrowsAsync<Neo4jAuthenticationException>(() => Client(neo4j).RunAsync("op", Statement, Parameters, Cancel));

        Assert.Contains("refused the credentials of user 'neo4j'", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_without_the_query_api_is_asked_through_tx_commit_from_then_on()
    {
        const string txResult = """{"results":[{"columns":["l.uid"],"data":[{"row":["lib-a"],"meta":[null]}]}],"errors":[]}""";
        var neo4j = new RecordedNeo4j()
            .Answer(QueryApi, HttpStatusCode.NotFound, "<html>Not Found</html>", "text/html")
            .Answer(TxCommit, HttpStatusCode.OK, txResult)
            .Answer(TxCommit, HttpStatusCode.OK, txResult);
        var client = Client(neo4j);

        var first = await client.RunAsync("op", Statement, Parameters, Cancel);
        var second = await client.RunAsync("op", Statement, Parameters, Cancel);

        Assert.Equal(["lib-a"], first.Rows.Select(r => r[0].GetString()).ToArray());
        Assert.Equal(["lib-a"], second.Rows.Select(r => r[0].GetString()).ToArray());
        Assert.Equal([QueryApi, TxCommit, TxCommit], neo4j.Requests.Select(r => r.Path).ToArray());
        var statement = neo4j.Requests.Last().Body.GetProperty("statements")[0];
        Assert.Equal(Statement, statement.GetProperty("statement").GetString());
        Assert.Equal("ws-1", statement.GetProperty("parameters").GetProperty("ws")[0].GetString());
    }

    [Fact]
    public async Task A_404_that_carries_neo4j_errors_is_that_error_not_a_fallback()
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, HttpStatusCode.NotFound,
            """{"errors":[{"code":"Neo.ClientError.Database.DatabaseNotFound","message":"Database does not exist."}]}""");

        var failure = await Assert.ThrowsAsync<Neo4jQueryException>(() => Client(neo4j).RunAsync("op", Statement, Parameters, Cancel));

        Assert.Equal("Neo.ClientError.Database.DatabaseNotFound", failure.Code);
        Assert.Single(neo4j.Requests);
    }

    [Fact]
    public async Task Tx_commit_reports_errors_with_200()
    {
        var neo4j = new RecordedNeo4j()
            .Answer(QueryApi, HttpStatusCode.NotFound, "")
            .Answer(TxCommit, HttpStatusCode.OK,
                """{"results":[],"errors":[{"code":"Neo.ClientError.Schema.ConstraintValidationFailed","message":"already exists"}]}""");

        var failure = await Assert.ThrowsAsync<Neo4jQueryException>(() => Client(neo4j).RunAsync("op", Statement, Parameters, Cancel));

        Assert.Equal("Neo.ClientError.Schema.ConstraintValidationFailed", failure.Code);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "this is not json", typeof(Neo4jProtocolException))]
    [InlineData(HttpStatusCode.Accepted, """{"data":{}}""", typeof(Neo4jProtocolException))]
    [InlineData(HttpStatusCode.BadGateway, "<html>Bad gateway</html>", typeof(Neo4jUnavailableException))]
    [InlineData(HttpStatusCode.ServiceUnavailable, """{"message":"starting"}""", typeof(Neo4jUnavailableException))]
    public async Task Answers_outside_the_documented_shapes_are_clear_errors(HttpStatusCode status, string body, Type expected)
    {
        var neo4j = new RecordedNeo4j().Answer(QueryApi, status, body);

        var failure = await Assert.ThrowsAnyAsync<Neo4jException>(() => Client(neo4j).RunAsync("op", Statement, Parameters, Cancel));

        Assert.IsType(expected, failure);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_unavailable()
    {
        var neo4j = new RecordedNeo4j { Delay = TimeSpan.FromSeconds(30) }.Answer(QueryApi, HttpStatusCode.Accepted, "{}");
        var client = new Neo4jHttpClient(new HttpClient(neo4j) { Timeout = TimeSpan.FromMilliseconds(200) }, Connection);

        await Assert.ThrowsAsync<Neo4jUnavailableException>(() => client.RunAsync("op", Statement, Parameters, Cancel));
    }

    [Fact]
    public async Task An_unreachable_server_is_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var client = new Neo4jHttpClient(new HttpClient(),
            Neo4jConnection.Parse($"Endpoint=http://127.0.0.1:{port};Username=neo4j;Password=p;Database=neo4j"));

        var failure = await Assert.ThrowsAsync<Neo4jUnavailableException>(() => client.RunAsync("op", Statement, Parameters, Cancel));

        Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_statement_is_a_client_span_naming_neo4j_and_the_operation_but_no_value()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Neo4jHttpClient.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var operation = "libraries_in_workspaces_" + Guid.NewGuid().ToString("N")[..6];
        var neo4j = new RecordedNeo4j().Answer(QueryApi, HttpStatusCode.Accepted, """{"data":{"fields":["l.uid"],"values":[]}}""");

        await Client(neo4j).RunAsync(operation, Statement, Parameters, Cancel);

        var span = Assert.Single(spans, s => s.DisplayName == $"neo4j {operation}");
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("neo4j", span.GetTagItem("db.system"));
        Assert.Equal(operation, span.GetTagItem("db.operation.name"));
        Assert.DoesNotContain(span.Tags, tag => tag.Value?.Contains("ws-1", StringComparison.Ordinal) == true || tag.Value?.Contains("s3cret", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("Endpoint=http://h:7474;Username=neo4j;Database=neo4j", "has no Password")]
    [InlineData("Endpoint=bolt://h:7687;Username=neo4j;Password=p", "must be an http(s) URL")]
    [InlineData("Username=neo4j;Password=p", "has no Endpoint")]
    public void A_bad_connection_string_says_what_is_wrong(string connectionString, string message)
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Neo4jConnection.Parse(connectionString));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_connection_defaults_the_database_and_never_prints_the_password()
    {
        var connection = Neo4jConnection.Parse("Endpoint=https://graph.example:7473;Username=reader;Password=hunter2-secret");

        Assert.Equal(("neo4j", "reader"), (connection.Database, connection.Username));
        Assert.DoesNotContain("hunter2", connection.ToString(), StringComparison.Ordinal);
    }

    private static Neo4jHttpClient Client(RecordedNeo4j neo4j) => new(new HttpClient(neo4j), Connection);
}
