using Mnemosyne.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Secrets: generated on first run and kept in this project's user secrets (dotnet user-secrets list --project AppHost).
var adminKey = builder.AddParameter("admin-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);
var internalKey = builder.AddParameter("internal-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

// Infrastructure: containers when a container runtime is healthy (and always when publishing), else local executables.
var (infrastructure, why) = InfrastructureMode.Choose(builder);
var store = builder.AddInfrastructureNotice(infrastructure, why);
var libraryStore = LibraryStoreMode.Read(builder.Configuration, store);
IResourceBuilder<IResourceWithConnectionString> authdb, redis;
IResourceBuilder<IResourceWithConnectionString>? librarydb;
string? dataRoot = null;
if (infrastructure == Infrastructure.Containers)
{
    var postgres = builder.AddPostgres("postgres");
    var redisContainer = builder.AddRedis("redis");
    if (builder.ExecutionContext.IsRunMode)
    {
        postgres.WithDataVolume();
        redisContainer.WithDataVolume();
    }

    (authdb, redis) = (postgres.AddDatabase("authdb"), redisContainer);
    librarydb = libraryStore == LibraryStore.Neo4j ? null : postgres.AddDatabase("librarydb");
}
else
{
    dataRoot = builder.Configuration["AppHost:DataDirectory"] is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(builder.AppHostDirectory, ".data");
    var postgres = builder.AddLocalPostgres("postgres", dataRoot);
    (authdb, redis) = (postgres.AddDatabase("authdb"), builder.AddLocalRedis("redis", dataRoot));
    librarydb = libraryStore == LibraryStore.Neo4j ? null : postgres.AddDatabase("librarydb");
}

//#if (LibraryStore != "postgres")
// The library graph: when Neo4j runs, both services use it as the library store (ConnectionStrings__neo4j);
// AppHost:LibraryStore (appsettings.json) may ask for Neo4j only or Postgres only instead.
var neo4j = builder.AddNeo4j(libraryStore, infrastructure, dataRoot, store);

//#endif
// Sign-in through an identity provider (Auth:OAuth in this project's configuration): both services get the same values.
var oauth = builder.AddOAuthParameters();
// ... and through Mnemosyne's own authorization server (Auth:AuthorizationServer:Upstream): auth-service alone.
var upstream = builder.AddUpstreamSignInParameters();

// Services: auth-service is internal; mcp-host is the only external endpoint, and the authorization server's issuer.
var mcpHost = builder.AddProject<Projects.McpHost>("mcp-host");
var issuer = builder.AddAuthorizationServerIssuer(mcpHost);
var authService = builder.AddProject<Projects.AuthService>("auth-service")
    .WithReference(authdb).WaitFor(authdb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__InternalKey", internalKey)
    .WithHttpHealthCheck("/health")
    .WithAdminApiReference()
    .WithAuthAdminCommands(adminKey)
    .WithAuditCommands(adminKey)
    .WithAuthorizationServerCommands(adminKey)
    .WithLibraryDatabase(librarydb)
//#if (LibraryStore != "postgres")
    .WithLibraryGraph(neo4j)
//#endif
    .WithParameters(oauth)
    .WithParameters(upstream)
    .WithEnvironment(AuthorizationServerExtensions.Variable, issuer);

mcpHost
    .WithReference(redis).WaitFor(redis)
    .WithReference(authService).WaitFor(authService)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__InternalKey", internalKey)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithAdminApiReference()
//#if (SampleLibrary)
    .WithSampleLibraryCommand(adminKey)
//#endif
    .WithLibraryDatabase(librarydb)
//#if (LibraryStore != "postgres")
    .WithLibraryGraph(neo4j)
//#endif
    .WithParameters(oauth)
    .WithEnvironment(AuthorizationServerExtensions.Variable, issuer);

builder.Build().Run();
