using Microsoft.Playwright;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// What a browser test saw when it failed, kept for whoever reads the failure: the page's visible text goes into the
/// failure message (so a CI log shows the dialog or toast that was, or was not, there), and a screenshot and a
/// Playwright trace of the whole test (every action with a DOM snapshot; open it with <c>npx playwright show-trace</c>)
/// are written beside the test binaries. Tracing is started with the browser context, so a test that passes pays
/// only for the DOM snapshots.
/// </summary>
public static class BrowserFailure
{
    private const int MaxPageText = 3_000;

    /// <summary>A page in a new context that is traced from its first action.</summary>
    public static async Task<IPage> NewTracedPageAsync(IBrowser browser, BrowserNewContextOptions options)
    {
        var context = await browser.NewContextAsync(options);
        await context.Tracing.StartAsync(new TracingStartOptions { Snapshots = true, Sources = false });
        return await context.NewPageAsync();
    }

    /// <summary>Saves the trace and a screenshot of <paramref name="page"/>, and wraps <paramref name="failure"/> with what the page showed.</summary>
    public static async Task<Exception> RecordAsync(IPage page, string test, Exception failure)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "failures");
        Directory.CreateDirectory(folder);
        var trace = Path.Combine(folder, test + ".trace.zip");
        var screenshot = Path.Combine(folder, test + ".png");
        string shown;
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
            await page.Context.Tracing.StopAsync(new TracingStopOptions { Path = trace });
            shown = await page.Locator("body").InnerTextAsync(new LocatorInnerTextOptions { Timeout = 5_000 });
        }
        catch (PlaywrightException recording)
        {
            shown = "(the page could not be read: " + recording.Message + ")";
        }

        if (shown.Length > MaxPageText)
        {
            shown = shown[..MaxPageText] + " …";
        }

        return new Xunit.Sdk.XunitException(
            $"{failure.Message}\nThe page ({page.Url}) showed:\n{shown}\nTrace: {trace}\nScreenshot: {screenshot}", failure);
    }
}
