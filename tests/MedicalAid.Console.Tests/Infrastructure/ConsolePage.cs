using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace MedicalAid.Console.Tests.Infrastructure;

/// <summary>
/// One browser context (its own cookies) and page, signed in as a staff account, collecting every console error the
/// page logs so that a test can require there were none.
/// </summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly IBrowserContext context;

    private ConsolePage(IBrowserContext context, IPage page, Uri baseAddress)
    {
        this.context = context;
        Page = page;
        BaseAddress = baseAddress;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => Errors.Add(error);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Errors.Add($"{response.Status} {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    public Uri BaseAddress { get; }

    public List<string> Errors { get; } = [];

    public static async Task<ConsolePage> OpenAsync(ConsoleFixture fixture, int width = 1366, int height = 768)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        return new ConsolePage(context, await context.NewPageAsync(), fixture.BaseAddress);
    }

    /// <summary>Signs in with the console's form, as a person would, and waits for the dashboard.</summary>
    public async Task SignInAsync(string username, string password)
    {
        await Page.GotoAsync("/console/sign-in");
        await Page.FillAsync("input[name=username]", username);
        await Page.FillAsync("input[name=password]", password);
        await Page.ClickAsync("button[type=submit]");
        await Page.WaitForURLAsync("**/console");
        await Page.Locator("h1").First.WaitForAsync();
    }

    /// <summary>Goes to a console page and waits until its interactive content has rendered.</summary>
    public async Task GoToAsync(string path, string readySelector)
    {
        await Page.GotoAsync(path);
        await Page.Locator(readySelector).First.WaitForAsync();
    }

    /// <summary>The page's serious and critical accessibility violations (axe-core), described.</summary>
    public async Task<IReadOnlyList<string>> SeriousAccessibilityViolationsAsync()
    {
        var result = await Page.RunAxe();
        return result.Violations
            .Where(violation => violation.Impact is "serious" or "critical")
            .Select(violation => $"{violation.Id} ({violation.Impact}): {violation.Help} — {string.Join("; ", violation.Nodes.Take(3).Select(node => node.Html))}")
            .ToArray();
    }

    public async Task ScreenshotAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
