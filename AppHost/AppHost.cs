// Containers only for now (needs Docker or Podman); local executables arrive with the AppHost issue.
var builder = DistributedApplication.CreateBuilder(args);

var adminKey = builder.AddParameter("admin-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);
var internalKey = builder.AddParameter("internal-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var postgres = builder.AddPostgres("postgres");
var authdb = postgres.AddDatabase("authdb");
var librarydb = postgres.AddDatabase("librarydb");
var redis = builder.AddRedis("redis");

var authService = builder.AddProject<Projects.AuthService>("auth-service")
    .WithReference(authdb).WaitFor(authdb)
    .WithReference(librarydb).WaitFor(librarydb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__InternalKey", internalKey)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.McpHost>("mcp-host")
    .WithReference(authService).WaitFor(authService)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__InternalKey", internalKey)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
