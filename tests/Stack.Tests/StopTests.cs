using Aspire.Hosting.Testing;

namespace Mnemosyne.Stack.Tests;

/// <summary>Stopping the AppHost leaves no process behind: not the servers it started, not the services.</summary>
public sealed class StopTests
{
    [Fact]
    public async Task Stopping_the_stack_ends_every_process_it_started()
    {
        await using var stack = new StackApp();
        await stack.InitializeAsync();
        var postgresPort = stack.App.GetEndpoint("postgres", "tcp").Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var before = ProcessesOf(stack.DataDirectory, postgresPort);
        Assert.True(before.Count >= 4, $"Expected postgres, redis and both services running, saw: {string.Join(" | ", before)}");

        await stack.StopAsync();
        // None may be left; each may take a while to go. In CI the test assemblies run side by side on two cores, and
        // 5 s once saw auth-service and Postgres still shutting down.
        var after = ProcessesOf(stack.DataDirectory, postgresPort);
        for (var i = 0; i < 300 && after.Count > 0; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            after = ProcessesOf(stack.DataDirectory, postgresPort);
        }

        Assert.Empty(after);
    }

    /// <summary>
    /// Command lines of the processes belonging to one stack: servers name its data folder, services carry its
    /// Postgres port in their connection strings.
    /// </summary>
    private static List<string> ProcessesOf(string dataDirectory, string postgresPort)
    {
        var found = new List<string>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var environment = File.ReadAllText(Path.Combine(directory, "environ"));
                if (commandLine.Contains(dataDirectory, StringComparison.Ordinal)
                    || (environment.Contains("ConnectionStrings__authdb=", StringComparison.Ordinal)
                        && environment.Contains($"Port={postgresPort};", StringComparison.Ordinal)))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return found;
    }
}
