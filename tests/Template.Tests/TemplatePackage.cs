using System.Diagnostics;

namespace Mnemosyne.Template.Tests;

/// <summary>
/// The template as a user gets it: <c>dotnet pack template</c> of this checkout, installed with
/// <c>dotnet new install</c> into a template hive of its own (<c>--debug:custom-hive</c>, so the machine's templates
/// are untouched), and <c>dotnet new mnemosyne</c> into temp folders. Everything is removed afterwards.
/// </summary>
public sealed class TemplatePackage : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mnemosyne-template-");

    private string Hive => Path.Combine(_root.FullName, "hive");

    public async ValueTask InitializeAsync()
    {
        var packages = Path.Combine(_root.FullName, "package");
        await RunAsync("dotnet", ["pack", Path.Combine(Repository.Root, "template"), "-c", "Release", "-o", packages], Repository.Root, TimeSpan.FromMinutes(3));
        var package = Assert.Single(Directory.GetFiles(packages, "*.nupkg"));
        await RunAsync("dotnet", ["new", "install", package, "--debug:custom-hive", Hive], _root.FullName, TimeSpan.FromMinutes(2));
    }

    /// <summary><c>dotnet new mnemosyne -n <paramref name="name"/></c> with <paramref name="options"/>; the folder it made.</summary>
    public async Task<string> InstantiateAsync(string name, params string[] options)
    {
        var output = Path.Combine(_root.FullName, "out", Guid.NewGuid().ToString("N")[..8]);
        await RunAsync("dotnet", ["new", "mnemosyne", "-n", name, "-o", output, "--debug:custom-hive", Hive, .. options], _root.FullName,
            TimeSpan.FromMinutes(2));
        return output;
    }

    /// <summary>Runs a command to completion; its output when it succeeds, and an exception with it when it does not.</summary>
    public static async Task<string> RunAsync(string command, IEnumerable<string> arguments, string directory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The generated solution is built as a user builds it, not as part of this test run's build.
        info.Environment.Remove("MSBuildExtensionsPath");
        info.Environment.Remove("MSBUILD_EXE_PATH");
        info.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', info.ArgumentList)} took longer than {timeout}:\n{await stdout}\n{await stderr}");
        }

        var output = await stdout + await stderr;
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{command} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{output}");
    }

    public ValueTask DisposeAsync()
    {
        _root.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
