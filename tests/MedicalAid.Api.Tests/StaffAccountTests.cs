using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedicalAid.Api.Tests;

public sealed class SqliteStaffAccountTests(SqliteFixture fixture) : StaffAccountTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresStaffAccountTests(PostgresFixture fixture) : StaffAccountTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>
/// Staff accounts as people use them: signing in to the console with a password, the new password at the first
/// sign-in, lockout, the authenticator app, disabling, and an administrator managing accounts through the API.
/// </summary>
public abstract partial class StaffAccountTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string StaffRoute = "/api/v1/admin/staff";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static int accounts;

    [Theory]
    [InlineData("demo-auditor", "市级审计员", "太原市（140100）", "审计员 auditor")]
    [InlineData("demo-district", "万柏林区经办审批", "万柏林区（140109）", "经办员 operator、审批人 approver")]
    [InlineData("demo-clerk", "千峰街道经办员", "千峰街道（140109001）", "经办员 operator")]
    [InlineData("demo-township", "千峰街道经办审批", "千峰街道（140109001）", "经办员 operator、审批人 approver")]
    public async Task DemoAccount_SignsInWithTheDemoPassword_AndTheConsoleShowsItsUnitAndRoles(string username, string displayName, string unit, string roles)
    {
        using var browser = new ConsoleBrowser(App);

        using var signIn = await browser.SignInAsync(username, DemoSeeder.StaffPassword);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/console", signIn.Headers.Location?.OriginalString);
        var console = await browser.GetPageAsync("/console/account");
        Assert.Contains($"""data-field="display-name">{displayName}<""", console, StringComparison.Ordinal);
        Assert.Contains($"""data-field="unit">{unit}<""", console, StringComparison.Ordinal);
        Assert.Contains($"""data-field="roles">{roles}<""", console, StringComparison.Ordinal);
        Assert.True(await AuditedAsync(username, "staff.signed-in"));
    }

    [Fact]
    public async Task DemoAdmin_OutsideDevelopment_MustEnrolAnAuthenticatorBeforeItsSessionStarts()
    {
        using var browser = new ConsoleBrowser(App);

        using var signIn = await browser.SignInAsync("demo-admin", DemoSeeder.StaffPassword);

        Assert.Equal("/console/account/two-factor", signIn.Headers.Location?.OriginalString);
        using var console = await browser.Client.GetAsync("/console/account", Cancel);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        Assert.StartsWith("http://localhost/console/sign-in", console.Headers.Location?.OriginalString, StringComparison.Ordinal);
        using var api = await browser.Client.GetAsync("/api/v1/admin/hospitals", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task NewAccount_MustChooseItsOwnPasswordAtTheFirstSignIn_ThenItsCookieReachesTheApiWithinItsRole()
    {
        var (username, oneTimePassword) = await CreateAccountAsync(DemoSeeder.Qianfeng, StaffAccess.Operator);
        using var browser = new ConsoleBrowser(App);

        using var signIn = await browser.SignInAsync(username, oneTimePassword);
        Assert.Equal("/console/account/password", signIn.Headers.Location?.OriginalString);
        using (var beforeChange = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, beforeChange.StatusCode);
        }

        using var sameAgain = await ChangePasswordAsync(browser, oneTimePassword);
        Assert.Equal(HttpStatusCode.BadRequest, sameAgain.StatusCode);
        using var tooShort = await ChangePasswordAsync(browser, "short-one");
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        using var changed = await ChangePasswordAsync(browser, "a new passphrase of mine");
        Assert.Equal("/console", changed.Headers.Location?.OriginalString);

        using var search = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        using var register = await browser.PostApiAsync("/api/v1/admin/beneficiaries", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        using var hospitals = await browser.PostApiAsync("/api/v1/admin/hospitals", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.Forbidden, hospitals.StatusCode);
        using var forged = await browser.PostApiAsync("/api/v1/admin/beneficiaries", JsonContent.Create(new { }), withToken: false);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("antiforgery", await forged.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        using var again = new ConsoleBrowser(App);
        using var oldPassword = await again.SignInAsync(username, oneTimePassword);
        Assert.Equal(HttpStatusCode.BadRequest, oldPassword.StatusCode);
        using var newPassword = await again.SignInAsync(username, "a new passphrase of mine");
        Assert.Equal("/console", newPassword.Headers.Location?.OriginalString);
        Assert.True(await AuditedAsync(username, "staff.password-changed"));
    }

    [Fact]
    public async Task FiveFailedSignIns_LockTheAccount_SoThatTheRightPasswordIsRefusedToo()
    {
        var (username, password) = await CreateAccountAsync(DemoSeeder.Qianfeng, StaffAccess.Auditor);
        using var browser = new ConsoleBrowser(App);

        for (var attempt = 1; attempt <= StaffIdentity.MaxFailedSignIns; attempt++)
        {
            using var wrong = await browser.SignInAsync(username, $"wrong password {attempt}");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using var right = await browser.SignInAsync(username, password);

        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Contains("锁定", await right.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using var api = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.True(await AuditedAsync(username, "staff.locked-out"));
        Assert.True(await AuditedAsync(username, "staff.sign-in-failed"));
        var account = await FindAccountAsync(username);
        Assert.NotNull(account.LockedUntil);

        // An administrator's password reset lifts the lock.
        using var admin = App.Staff(StaffAccess.Admin);
        using var reset = await admin.PostAsync($"{StaffRoute}/{username}/password-reset", null, Cancel);
        var fresh = (await reset.Content.ReadFromJsonAsync<StaffAccountWithPassword>(Cancel))!;
        Assert.Null(fresh.Account.LockedUntil);
        using var afterReset = await browser.SignInAsync(username, fresh.OneTimePassword);
        Assert.Equal("/console/account/password", afterReset.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AdminAccount_EnrolsAnAuthenticator_ThenEverySignInNeedsItsCode()
    {
        var (username, password) = await CreateAccountAsync(DemoSeeder.City, StaffAccess.Admin);
        using var browser = new ConsoleBrowser(App);
        using (var first = await browser.SignInAsync(username, password))
        {
            Assert.Equal("/console/account/password", first.Headers.Location?.OriginalString);
        }

        using (var changed = await ChangePasswordAsync(browser, "admin passphrase 2026"))
        {
            Assert.Equal("/console/account/two-factor", changed.Headers.Location?.OriginalString);
        }

        var enrolment = await browser.GetPageAsync("/console/account/two-factor");
        var key = KeyOnPage().Match(enrolment).Groups["key"].Value;
        Assert.False(string.IsNullOrEmpty(key), enrolment);
        using (var wrong = await browser.SubmitAsync("/console/account/two-factor", new Dictionary<string, string> { ["code"] = "000000" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using var enrolled = await browser.SubmitAsync("/console/account/two-factor", new Dictionary<string, string> { ["code"] = Totp.Code(key, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var recoveryCodes = RecoveryCode().Matches(await enrolled.Content.ReadAsStringAsync(Cancel)).Select(match => match.Groups["code"].Value).ToList();
        Assert.Equal(10, recoveryCodes.Count);
        using (var units = await browser.Client.GetAsync("/api/v1/admin/units", Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, units.StatusCode);
        }

        // The key is never shown again, nor new recovery codes issued, from an open session.
        var again = await browser.GetPageAsync("/console/account/two-factor");
        Assert.DoesNotContain("data-key", again, StringComparison.Ordinal);
        Assert.Contains("已启用验证器", again, StringComparison.Ordinal);
        using (var renew = await browser.SubmitAsync("/console/account/password", new Dictionary<string, string> { ["code"] = "000000" }, "/console/account/two-factor"))
        {
            Assert.DoesNotContain("<li><code>", await renew.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        using var next = new ConsoleBrowser(App);
        using (var signIn = await next.SignInAsync(username, "admin passphrase 2026"))
        {
            Assert.Equal("/console/sign-in/code", signIn.Headers.Location?.OriginalString);
        }

        using (var notYet = await next.Client.GetAsync("/api/v1/admin/units", Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, notYet.StatusCode);
        }

        using (var wrongCode = await next.SubmitAsync("/console/sign-in/code", new Dictionary<string, string> { ["code"] = "123456" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongCode.StatusCode);
        }

        using (var recovered = await next.SubmitAsync("/console/sign-in/code", new Dictionary<string, string> { ["code"] = recoveryCodes[0] }))
        {
            Assert.Equal("/console", recovered.Headers.Location?.OriginalString);
        }

        using var third = new ConsoleBrowser(App);
        using (await third.SignInAsync(username, "admin passphrase 2026"))
        {
        }

        using (var reused = await third.SubmitAsync("/console/sign-in/code", new Dictionary<string, string> { ["code"] = recoveryCodes[0] }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        }

        using var withCode = await third.SubmitAsync("/console/sign-in/code", new Dictionary<string, string> { ["code"] = Totp.Code(key, DateTimeOffset.UtcNow) });
        Assert.Equal("/console", withCode.Headers.Location?.OriginalString);
        Assert.True(await AuditedAsync(username, "staff.two-factor-enabled"));
        Assert.True((await FindAccountAsync(username)).TwoFactorEnabled);
    }

    [Fact]
    public async Task DisablingAnAccount_EndsItsOpenSessionAtOnce_AndRefusesItsSignIn()
    {
        var (username, password) = await CreateAccountAsync(DemoSeeder.Qianfeng, StaffAccess.Operator);
        using var browser = new ConsoleBrowser(App);
        await SignInFirstTimeAsync(browser, username, password, "operator passphrase 1");
        using (var before = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var admin = App.Staff(StaffAccess.Admin);
        using var disable = await admin.PostAsync($"{StaffRoute}/{username}/disable", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.False((await disable.Content.ReadFromJsonAsync<StaffAccount>(Cancel))!.Enabled);

        using var after = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var console = await browser.Client.GetAsync("/console/account", Cancel);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        using var again = new ConsoleBrowser(App);
        using var signIn = await again.SignInAsync(username, "operator passphrase 1");
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);

        using var enable = await admin.PostAsync($"{StaffRoute}/{username}/enable", null, Cancel);
        Assert.True((await enable.Content.ReadFromJsonAsync<StaffAccount>(Cancel))!.Enabled);
        using var third = new ConsoleBrowser(App);
        using var signedIn = await third.SignInAsync(username, "operator passphrase 1");
        Assert.Equal("/console", signedIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ChangingAnAccountsRolesAndUnit_AppliesToItsOpenSession_AndIsAudited()
    {
        var (username, password) = await CreateAccountAsync(DemoSeeder.Qianfeng, StaffAccess.Auditor);
        using var browser = new ConsoleBrowser(App);
        await SignInFirstTimeAsync(browser, username, password, "auditor passphrase 1");
        using (var forbidden = await browser.PostApiAsync("/api/v1/admin/beneficiaries", JsonContent.Create(new { })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var admin = App.Staff(StaffAccess.Admin);
        using var update = await admin.PutAsJsonAsync($"{StaffRoute}/{username}", new UpdateStaffRequest
        {
            DisplayName = "改任经办员",
            UnitCode = DemoSeeder.District,
            Roles = [StaffAccess.Operator],
        }, Cancel);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var updated = (await update.Content.ReadFromJsonAsync<StaffAccount>(Cancel))!;
        Assert.Equal(DemoSeeder.District, updated.UnitCode);
        Assert.Equal([StaffAccess.Operator], updated.Roles);

        using var allowed = await browser.PostApiAsync("/api/v1/admin/beneficiaries", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.BadRequest, allowed.StatusCode);
        var console = await browser.GetPageAsync("/console/account");
        Assert.Contains("万柏林区（140109）", console, StringComparison.Ordinal);
        var entry = await App.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(candidate => candidate.Action == "staff.updated" && candidate.EntityId == username));
        Assert.Contains("auditor", entry.Before, StringComparison.Ordinal);
        Assert.Contains("operator", entry.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOpenConsole_StopsBeingValid_WhenItsAccountsRolesOrUnitChangeOrItIsDisabled()
    {
        var (username, _) = await CreateAccountAsync(DemoSeeder.Qianfeng, StaffAccess.Operator);
        using var admin = App.Staff(StaffAccess.Admin);

        // The circuit's principal is made when it opens; each check reads the account afresh, in a scope of its own.
        async Task<bool> StillValidAfterAsync(Func<Task> change)
        {
            System.Security.Claims.ClaimsPrincipal circuit;
            await using (var opened = App.Services.CreateAsyncScope())
            {
                var signIns = opened.ServiceProvider.GetRequiredService<SignInManager<StaffUser>>();
                circuit = await signIns.CreateUserPrincipalAsync((await signIns.UserManager.FindByNameAsync(username))!);
            }

            await change();
            await using var check = App.Services.CreateAsyncScope();
            return await StaffConsole.StaffAuthenticationStateProvider.IsStillValidAsync(check.ServiceProvider.GetRequiredService<SignInManager<StaffUser>>(), circuit);
        }

        Assert.True(await StillValidAfterAsync(() => Task.CompletedTask));
        Assert.False(await StillValidAfterAsync(async () =>
        {
            using var response = await admin.PutAsJsonAsync($"{StaffRoute}/{username}", new UpdateStaffRequest { DisplayName = "改", UnitCode = DemoSeeder.Qianfeng, Roles = [StaffAccess.Auditor] }, Cancel);
        }));
        Assert.False(await StillValidAfterAsync(async () =>
        {
            using var response = await admin.PutAsJsonAsync($"{StaffRoute}/{username}", new UpdateStaffRequest { DisplayName = "改", UnitCode = DemoSeeder.District, Roles = [StaffAccess.Auditor] }, Cancel);
        }));
        Assert.False(await StillValidAfterAsync(async () =>
        {
            using var response = await admin.PostAsync($"{StaffRoute}/{username}/disable", null, Cancel);
        }));
    }

    [Fact]
    public async Task SignOut_EndsTheSession_AndIsAudited()
    {
        using var browser = new ConsoleBrowser(App);
        using (await browser.SignInAsync("demo-auditor", DemoSeeder.StaffPassword))
        {
        }

        using var signOut = await browser.SubmitAsync("/console/sign-out", new Dictionary<string, string>());

        Assert.Equal("/console/sign-in", signOut.Headers.Location?.OriginalString);
        using var api = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.True(await AuditedAsync("demo-auditor", "staff.signed-out"));
    }

    [Fact]
    public async Task SignInForm_WithoutTheAntiforgeryToken_IsRefused()
    {
        using var browser = new ConsoleBrowser(App);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "demo-auditor", ["password"] = DemoSeeder.StaffPassword });

        using var response = await browser.Client.PostAsync("/console/sign-in", content, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var api = await browser.Client.GetAsync("/api/v1/admin/beneficiaries", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task UnknownUsername_IsRefusedLikeAWrongPassword_WithoutRecordingWhatWasTyped()
    {
        using var browser = new ConsoleBrowser(App);

        using var response = await browser.SignInAsync("no-such-person-typed-a-secret", "whatever it was");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("用户名或密码不正确", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.False(await App.WithDbAsync(db => db.AuditEntries.AnyAsync(entry => entry.EntityId.Contains("typed-a-secret") || entry.Actor.Contains("typed-a-secret"))));
    }

    [Fact]
    public async Task ReturnAddress_OutsideTheConsole_IsIgnored()
    {
        using var browser = new ConsoleBrowser(App);

        using var response = await browser.SubmitAsync("/console/sign-in", new Dictionary<string, string>
        {
            ["username"] = "demo-clerk",
            ["password"] = DemoSeeder.StaffPassword,
            ["returnUrl"] = "//evil.example/console",
        });

        Assert.Equal("/console", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("""{"username":"x","displayName":"名","unitCode":"140100","roles":["operator"]}""", "username")]
    [InlineData("""{"username":"has space","displayName":"名","unitCode":"140100","roles":["operator"]}""", "username")]
    [InlineData("""{"username":"ok-name","displayName":"","unitCode":"140100","roles":["operator"]}""", "displayName")]
    [InlineData("""{"username":"ok-name","displayName":"名","unitCode":"nowhere","roles":["operator"]}""", "unitCode")]
    [InlineData("""{"username":"ok-name","displayName":"名","unitCode":"140100","roles":[]}""", "roles")]
    [InlineData("""{"username":"ok-name","displayName":"名","unitCode":"140100","roles":["root"]}""", "roles")]
    [InlineData("""{"username":"ok-name","displayName":"名","unitCode":"140100","roles":[null]}""", "roles")]
    public async Task CreateAccount_WithBadInput_IsAFieldLevelProblem_AndRecordsNothing(string body, string field)
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var (users, audit) = await CountsAsync();

        using var response = await admin.PostAsync(StaffRoute, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Cancel))!;
        Assert.Equal(ProblemTypes.Validation, problem.Type);
        Assert.Contains(field, problem.Errors.Keys);
        Assert.Equal((users, audit), await CountsAsync());
    }

    [Fact]
    public async Task CreateAccount_WithATakenUsername_Is409()
    {
        using var admin = App.Staff(StaffAccess.Admin);

        using var response = await admin.PostAsJsonAsync(StaffRoute, new CreateStaffRequest
        {
            Username = "demo-clerk",
            DisplayName = "重名",
            UnitCode = DemoSeeder.Qianfeng,
            Roles = [StaffAccess.Operator],
        }, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task AnAdministratorWithAUnit_ManagesOnlyTheAccountsOfItsSubtree()
    {
        using var districtAdmin = App.Staff(StaffAccess.Admin, "区管理员", unit: DemoSeeder.District);

        var listed = (await districtAdmin.GetFromJsonAsync<StaffAccount[]>(StaffRoute, Cancel))!;
        using var outside = await districtAdmin.PostAsync($"{StaffRoute}/demo-auditor/disable", null, Cancel);
        using var createOutside = await districtAdmin.PostAsJsonAsync(StaffRoute, new CreateStaffRequest
        {
            Username = NextUsername(),
            DisplayName = "市里的人",
            UnitCode = DemoSeeder.City,
            Roles = [StaffAccess.Auditor],
        }, Cancel);

        Assert.Contains(listed, account => account.Username == "demo-clerk");
        Assert.DoesNotContain(listed, account => account.Username is "demo-admin" or "demo-auditor");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, createOutside.StatusCode);
        Assert.True((await FindAccountAsync("demo-auditor")).Enabled);
    }

    [Fact]
    public async Task StaffList_NeverShowsPasswordsOrKeys()
    {
        using var admin = App.Staff(StaffAccess.Admin);

        var body = await admin.GetStringAsync(StaffRoute, Cancel);

        Assert.Contains("demo-clerk", body, StringComparison.Ordinal);
        Assert.DoesNotContain("password", body.Replace("mustChangePassword", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hash", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("stamp", body, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<(string Username, string Password)> CreateAccountAsync(string unit, params string[] roles)
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var username = NextUsername();
        using var response = await admin.PostAsJsonAsync(StaffRoute, new CreateStaffRequest
        {
            Username = username,
            DisplayName = $"测试账号{username[^4..]}",
            UnitCode = unit,
            Roles = roles,
        }, Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Cancel));
        var created = (await response.Content.ReadFromJsonAsync<StaffAccountWithPassword>(Cancel))!;
        Assert.True(created.Account.MustChangePassword);
        Assert.True(created.OneTimePassword.Length >= StaffIdentity.MinPasswordLength);
        Assert.True(await AuditedAsync(username, "staff.created"));
        return (username, created.OneTimePassword);
    }

    private static async Task SignInFirstTimeAsync(ConsoleBrowser browser, string username, string oneTimePassword, string newPassword)
    {
        using (await browser.SignInAsync(username, oneTimePassword))
        {
        }

        using var changed = await ChangePasswordAsync(browser, newPassword);
        Assert.Equal("/console", changed.Headers.Location?.OriginalString);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(ConsoleBrowser browser, string newPassword) =>
        browser.SubmitAsync("/console/account/password", new Dictionary<string, string> { ["newPassword"] = newPassword, ["confirmPassword"] = newPassword });

    private async Task<StaffAccount> FindAccountAsync(string username)
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var accounts = (await admin.GetFromJsonAsync<StaffAccount[]>(StaffRoute, Cancel))!;
        return Assert.Single(accounts, account => account.Username == username);
    }

    private Task<bool> AuditedAsync(string username, string action) =>
        App.WithDbAsync(db => db.AuditEntries.AnyAsync(entry => entry.EntityType == StaffAccounts.AuditEntityType && entry.EntityId == username && entry.Action == action));

    private Task<(int Users, int Audit)> CountsAsync() =>
        App.WithDbAsync(async db => (await db.Users.CountAsync(), await db.Set<AuditEntry>().CountAsync()));

    private static string NextUsername() => $"staff-{Interlocked.Increment(ref accounts)}-{Guid.NewGuid():N}"[..24];

    [GeneratedRegex("data-key>(?<key>[a-z2-7 ]+)<")]
    private static partial Regex KeyOnPage();

    [GeneratedRegex("<li><code>(?<code>[^<]+)</code></li>")]
    private static partial Regex RecoveryCode();
}
