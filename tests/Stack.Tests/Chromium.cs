using Microsoft.Playwright;

namespace Mnemosyne.Stack.Tests;

/// <summary>Debian's Chromium, headless, launched the way every browser test here needs it (no sandbox in CI, no background traffic).</summary>
public static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
}
