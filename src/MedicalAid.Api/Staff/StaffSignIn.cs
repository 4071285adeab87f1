using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Staff;

/// <summary>
/// Signing staff in to the console: plain HTML forms (they work without JavaScript), antiforgery on every form, and
/// the steps an account may need before its session starts — a new password after an initial or reset one, the
/// authenticator code, or enrolling an authenticator where one is required. Until every step is done the browser
/// holds only a short-lived setup cookie that no staff endpoint accepts. Every sign-in, failure, lockout and
/// sign-out is audited.
/// </summary>
public static partial class StaffSignIn
{
    public const string ConsolePath = "/console";
    public const string SignInPath = "/console/sign-in";
    public const string CodePath = "/console/sign-in/code";
    public const string AccountPath = "/console/account";
    public const string PasswordPath = "/console/account/password";
    public const string TwoFactorPath = "/console/account/two-factor";
    public const string SignOutPath = "/console/sign-out";
    public const string CookieName = "MedicalAid.Staff";
    public const string SetupScheme = "MedicalAid.StaffSetup";
    public const string SetupCookieName = "MedicalAid.StaffSetup";

    private const string StepClaim = "medicalaid:sign-in-step";
    private const string CodeVerifiedClaim = "medicalaid:code-verified";
    private const string ReturnUrlClaim = "medicalaid:return-url";
    private const string SecurityStampClaim = "medicalaid:security-stamp";
    private const string AuditEntityType = StaffAccounts.AuditEntityType;

    public static IEndpointRouteBuilder MapStaffSignIn(this IEndpointRouteBuilder routes)
    {
        var console = routes.MapGroup(ConsolePath).ExcludeFromDescription();
        console.MapGet("/sign-in", SignInForm).WithName("ConsoleSignInForm");
        console.MapPost("/sign-in", SignIn).WithName("ConsoleSignIn");
        console.MapGet("/sign-in/code", CodeForm).WithName("ConsoleSignInCodeForm");
        console.MapPost("/sign-in/code", VerifyCode).WithName("ConsoleSignInCode");
        console.MapGet("/account/password", PasswordForm).WithName("ConsolePasswordForm");
        console.MapPost("/account/password", ChangePassword).WithName("ConsoleChangePassword");
        console.MapGet("/account/two-factor", TwoFactorForm).WithName("ConsoleTwoFactorForm");
        console.MapPost("/account/two-factor", EnableTwoFactor).WithName("ConsoleEnableTwoFactor");
        console.MapGet("/sign-out", SignOutForm).WithName("ConsoleSignOutForm");
        console.MapPost("/sign-out", SignOut).WithName("ConsoleSignOut");
        return routes;
    }

    // ----- sign-in -------------------------------------------------------------------------------------------------

    public static ContentHttpResult SignInForm(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        SignInPage(context, antiforgery, returnUrl, null);

    public static async Task<IResult> SignIn(
        [FromForm] string? username,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<StaffUser> users,
        SignInManager<StaffUser> signIns,
        MedicalAidDbContext db,
        AuditTrail audit,
        IOptions<StaffOptions> options)
    {
        var name = username?.Trim() ?? "";
        if (name.Length == 0 || string.IsNullOrEmpty(password))
        {
            return SignInPage(context, antiforgery, returnUrl, "请输入用户名和密码。Enter your username and password.");
        }

        var user = name.Length <= 64 ? await users.FindByNameAsync(name) : null;
        if (user is null)
        {
            // The typed text is not recorded: people type passwords into the username field.
            audit.Record("unknown", "staff.sign-in-failed", AuditEntityType, "unknown", null, new { reason = "unknown-username" });
            await db.SaveChangesAsync(context.RequestAborted);
            return SignInPage(context, antiforgery, returnUrl, WrongCredentials);
        }

        var wasLocked = await users.IsLockedOutAsync(user);
        var result = await signIns.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            // The failure that reaches the limit locks the account: that one is the lockout, later ones are refusals.
            var justLocked = !wasLocked;
            audit.Record(user.UserName!, justLocked ? "staff.locked-out" : "staff.sign-in-failed", AuditEntityType, user.UserName!, null,
                new { reason = "locked-out", lockedUntil = user.LockoutEnd });
            await db.SaveChangesAsync(context.RequestAborted);
            return SignInPage(context, antiforgery, returnUrl,
                $"登录失败次数过多，账号已锁定 {StaffIdentity.LockoutDuration.TotalMinutes:0} 分钟。Too many failed attempts: the account is locked for {StaffIdentity.LockoutDuration.TotalMinutes:0} minutes.");
        }

        if (!result.Succeeded)
        {
            audit.Record(user.UserName!, "staff.sign-in-failed", AuditEntityType, user.UserName!, null,
                new { reason = result.IsNotAllowed ? "disabled" : "wrong-password" });
            await db.SaveChangesAsync(context.RequestAborted);
            return SignInPage(context, antiforgery, returnUrl, WrongCredentials);
        }

        return await ContinueAsync(context, user, codeVerified: false, LocalOrNull(returnUrl), users, signIns, db, audit, options.Value);
    }

    // ----- second factor -------------------------------------------------------------------------------------------

    public static async Task<IResult> CodeForm(HttpContext context, IAntiforgery antiforgery, UserManager<StaffUser> users)
    {
        var setup = await SetupAsync(context, users);
        return setup?.Step == "code" ? CodePage(context, antiforgery, null) : TypedResults.Redirect(SignInPath);
    }

    public static async Task<IResult> VerifyCode(
        [FromForm] string? code,
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<StaffUser> users,
        SignInManager<StaffUser> signIns,
        MedicalAidDbContext db,
        AuditTrail audit,
        IOptions<StaffOptions> options)
    {
        if (await SetupAsync(context, users) is not { Step: "code" } setup)
        {
            return TypedResults.Redirect(SignInPath);
        }

        var user = setup.User;
        if (await users.IsLockedOutAsync(user))
        {
            await context.SignOutAsync(SetupScheme);
            return SignInPage(context, antiforgery, null, "账号已锁定，请稍后再试。The account is locked; try again later.");
        }

        var typed = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var verified = typed.Length == 6
            ? await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, typed)
            : typed.Length > 0 && (await users.RedeemTwoFactorRecoveryCodeAsync(user, (code ?? "").Trim())).Succeeded;
        if (!verified)
        {
            await users.AccessFailedAsync(user);
            var locked = await users.IsLockedOutAsync(user);
            audit.Record(user.UserName!, locked ? "staff.locked-out" : "staff.sign-in-failed", AuditEntityType, user.UserName!, null, new { reason = "wrong-code" });
            await db.SaveChangesAsync(context.RequestAborted);
            if (locked)
            {
                await context.SignOutAsync(SetupScheme);
                return SignInPage(context, antiforgery, null, "验证码错误次数过多，账号已锁定。Too many wrong codes: the account is locked.");
            }

            return CodePage(context, antiforgery, "验证码不正确。The code is not correct.");
        }

        await users.ResetAccessFailedCountAsync(user);
        return await ContinueAsync(context, user, codeVerified: true, setup.ReturnUrl, users, signIns, db, audit, options.Value);
    }

    // ----- password ------------------------------------------------------------------------------------------------

    public static async Task<IResult> PasswordForm(HttpContext context, IAntiforgery antiforgery, UserManager<StaffUser> users)
    {
        var setup = await SetupAsync(context, users);
        if (setup?.Step == "password")
        {
            return PasswordPage(context, antiforgery, askCurrent: false, null);
        }

        return await SignedInAsync(context, users) is not null
            ? PasswordPage(context, antiforgery, askCurrent: true, null)
            : TypedResults.Redirect(SignInPath);
    }

    public static async Task<IResult> ChangePassword(
        [FromForm] string? currentPassword,
        [FromForm] string? newPassword,
        [FromForm] string? confirmPassword,
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<StaffUser> users,
        SignInManager<StaffUser> signIns,
        MedicalAidDbContext db,
        AuditTrail audit,
        IOptions<StaffOptions> options)
    {
        var (setup, user) = await AccountForStepAsync(context, users, "password");
        var inSetup = setup is not null;
        if (user is null)
        {
            return TypedResults.Redirect(SignInPath);
        }

        string? problem = null;
        if (string.IsNullOrEmpty(newPassword) || newPassword != confirmPassword)
        {
            problem = "两次输入的新密码不一致。The new passwords do not match.";
        }
        else if (await users.CheckPasswordAsync(user, newPassword))
        {
            problem = "新密码不能与原密码相同。The new password must differ from the old one.";
        }
        else if (!inSetup && !await users.CheckPasswordAsync(user, currentPassword ?? ""))
        {
            problem = "当前密码不正确。The current password is not correct.";
        }

        if (problem is null)
        {
            // The setup cookie already proves the initial password: a reset token sets the new one without asking again.
            var result = inSetup
                ? await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), newPassword!)
                : await users.ChangePasswordAsync(user, currentPassword!, newPassword!);
            if (!result.Succeeded)
            {
                problem = PasswordRules(result);
            }
        }

        if (problem is not null)
        {
            return PasswordPage(context, antiforgery, askCurrent: !inSetup, problem);
        }

        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        audit.Record(user.UserName!, "staff.password-changed", AuditEntityType, user.UserName!, null, new { firstSignIn = inSetup });
        await db.SaveChangesAsync(context.RequestAborted);
        if (inSetup)
        {
            return await ContinueAsync(context, user, setup!.CodeVerified, setup.ReturnUrl, users, signIns, db, audit, options.Value);
        }

        // The security stamp changed with the password: sign in again with the new one.
        await signIns.SignInAsync(user, isPersistent: false);
        return TypedResults.Redirect(ConsolePath);
    }

    // ----- authenticator enrolment -----------------------------------------------------------------------------------

    public static async Task<IResult> TwoFactorForm(HttpContext context, IAntiforgery antiforgery, UserManager<StaffUser> users)
    {
        var (setup, user) = await AccountForStepAsync(context, users, "enrol");
        if (user is null)
        {
            return TypedResults.Redirect(SignInPath);
        }

        if (user.TwoFactorEnabled)
        {
            return AlreadyEnrolledPage(context);
        }

        var key = await AuthenticatorKeyAsync(users, user);
        await KeepSessionAsync(context, users, setup, user);
        return TwoFactorPage(context, antiforgery, user.UserName!, key, null);
    }

    public static async Task<IResult> EnableTwoFactor(
        [FromForm] string? code,
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<StaffUser> users,
        SignInManager<StaffUser> signIns,
        MedicalAidDbContext db,
        AuditTrail audit,
        IOptions<StaffOptions> options)
    {
        var (setup, user) = await AccountForStepAsync(context, users, "enrol");
        var inSetup = setup is not null;
        if (user is null)
        {
            return TypedResults.Redirect(SignInPath);
        }

        if (user.TwoFactorEnabled)
        {
            return AlreadyEnrolledPage(context);
        }

        var key = await AuthenticatorKeyAsync(users, user);
        await KeepSessionAsync(context, users, setup, user);
        var typed = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, typed))
        {
            return TwoFactorPage(context, antiforgery, user.UserName!, key, "验证码不正确，请查看验证器应用中的 6 位数字。The code is not correct.");
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        var recoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))?.ToArray() ?? [];
        audit.Record(user.UserName!, "staff.two-factor-enabled", AuditEntityType, user.UserName!, null, new { recoveryCodes = recoveryCodes.Length });
        await db.SaveChangesAsync(context.RequestAborted);
        if (inSetup)
        {
            // Entering a code from the new authenticator is this sign-in's second factor.
            await FinishAsync(context, user, signIns, db, audit);
        }
        else
        {
            await signIns.SignInAsync(user, isPersistent: false);
        }

        return Page(context, "恢复码 Recovery codes", $"""
            <p>验证器已启用。请把下面的恢复码抄写或打印后妥善保管：手机丢失时，每个恢复码可代替验证码使用一次。它们只显示这一次。</p>
            <p>The authenticator is on. Keep these recovery codes somewhere safe: each replaces a code once if the phone is lost. They are shown only now.</p>
            <ul class="codes">{string.Concat(recoveryCodes.Select(recovery => $"<li><code>{Html(recovery)}</code></li>"))}</ul>
            <p><a href="{ConsolePath}">继续 Continue</a></p>
            """);
    }

    /// <summary>
    /// An enrolled authenticator's key is never shown again, and its recovery codes are not renewed from an open
    /// session: a session left open would otherwise yield the second factor itself. A lost phone goes to an
    /// administrator, who resets the authenticator.
    /// </summary>
    private static ContentHttpResult AlreadyEnrolledPage(HttpContext context) =>
        Page(context, "验证器 Authenticator app", $"""
            <p>本账号已启用验证器。手机丢失或更换时，请联系管理员重置验证器，然后在下次登录时重新绑定。</p>
            <p>The authenticator is already on. If the phone is lost or replaced, ask an administrator to reset it, then enrol again at the next sign-in.</p>
            <p><a href="{AccountPath}">返回 Back</a></p>
            """);

    // ----- sign-out --------------------------------------------------------------------------------------------------

    public static ContentHttpResult SignOutForm(HttpContext context, IAntiforgery antiforgery) =>
        Page(context, "退出登录 Sign out", $"""
            <form method="post" action="{SignOutPath}">
              {AntiforgeryField(context, antiforgery)}
              <button type="submit">退出登录 Sign out</button>
            </form>
            """);

    public static async Task<RedirectHttpResult> SignOut(HttpContext context, UserManager<StaffUser> users, MedicalAidDbContext db, AuditTrail audit)
    {
        if (await SignedInAsync(context, users) is { } user)
        {
            audit.Record(user.UserName!, "staff.signed-out", AuditEntityType, user.UserName!, null, null);
            await db.SaveChangesAsync(context.RequestAborted);
        }

        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        await context.SignOutAsync(SetupScheme);
        return TypedResults.Redirect(SignInPath);
    }

    // ----- the steps -------------------------------------------------------------------------------------------------

    /// <summary>The next thing this account must do before its session starts, or null when it may start.</summary>
    private static async Task<string?> NextStepAsync(StaffUser user, bool codeVerified, UserManager<StaffUser> users, StaffOptions options)
    {
        if (user.MustChangePassword)
        {
            return "password";
        }

        if (user.TwoFactorEnabled)
        {
            return codeVerified ? null : "code";
        }

        return options.RequireTwoFactorForAdmin && await users.IsInRoleAsync(user, StaffAccess.Admin) ? "enrol" : null;
    }

    private static async Task<IResult> ContinueAsync(
        HttpContext context, StaffUser user, bool codeVerified, string? returnUrl, UserManager<StaffUser> users,
        SignInManager<StaffUser> signIns, MedicalAidDbContext db, AuditTrail audit, StaffOptions options)
    {
        var step = await NextStepAsync(user, codeVerified, users, options);
        if (step is null)
        {
            await FinishAsync(context, user, signIns, db, audit);
            return TypedResults.Redirect(returnUrl ?? ConsolePath);
        }

        await IssueSetupAsync(context, users, new Setup(user, step, codeVerified, returnUrl));
        return TypedResults.Redirect(step switch
        {
            "password" => PasswordPath,
            "code" => CodePath,
            _ => TwoFactorPath,
        });
    }

    private static async Task FinishAsync(HttpContext context, StaffUser user, SignInManager<StaffUser> signIns, MedicalAidDbContext db, AuditTrail audit)
    {
        await context.SignOutAsync(SetupScheme);
        await signIns.SignInAsync(user, isPersistent: false);
        audit.Record(user.UserName!, "staff.signed-in", AuditEntityType, user.UserName!, null, new { twoFactor = user.TwoFactorEnabled });
        await db.SaveChangesAsync(context.RequestAborted);
    }

    private sealed record Setup(StaffUser User, string Step, bool CodeVerified, string? ReturnUrl);

    /// <summary>
    /// The setup cookie names the account, the step, what is verified so far and the account's security stamp, so that
    /// a password reset or a disabled account in the meantime ends the sign-in in progress.
    /// </summary>
    private static async Task IssueSetupAsync(HttpContext context, UserManager<StaffUser> users, Setup setup)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, setup.User.Id),
            new(StepClaim, setup.Step),
            new(SecurityStampClaim, await users.GetSecurityStampAsync(setup.User)),
        };
        if (setup.CodeVerified)
        {
            claims.Add(new Claim(CodeVerifiedClaim, "true"));
        }

        if (setup.ReturnUrl is not null)
        {
            claims.Add(new Claim(ReturnUrlClaim, setup.ReturnUrl));
        }

        await context.SignInAsync(SetupScheme, new ClaimsPrincipal(new ClaimsIdentity(claims, SetupScheme)));
    }

    /// <summary>The sign-in in progress, if the setup cookie is valid and its account unchanged and enabled since.</summary>
    private static async Task<Setup?> SetupAsync(HttpContext context, UserManager<StaffUser> users)
    {
        var result = await context.AuthenticateAsync(SetupScheme);
        if (!result.Succeeded || result.Principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id)
        {
            return null;
        }

        var user = await users.FindByIdAsync(id);
        if (user is not { Enabled: true } || await users.GetSecurityStampAsync(user) != result.Principal.FindFirstValue(SecurityStampClaim))
        {
            return null;
        }

        return new Setup(
            user,
            result.Principal.FindFirstValue(StepClaim) ?? "",
            result.Principal.HasClaim(CodeVerifiedClaim, "true"),
            result.Principal.FindFirstValue(ReturnUrlClaim));
    }

    /// <summary>
    /// Who a page of the account is for: the sign-in in progress when it is at <paramref name="step"/> (with it), else
    /// the console session's account (without one), else nobody.
    /// </summary>
    private static async Task<(Setup? Setup, StaffUser? User)> AccountForStepAsync(HttpContext context, UserManager<StaffUser> users, string step)
    {
        var setup = await SetupAsync(context, users);
        return setup?.Step == step ? (setup, setup.User) : (null, await SignedInAsync(context, users));
    }

    /// <summary>The account of the console session, if any.</summary>
    public static async Task<StaffUser?> SignedInAsync(HttpContext context, UserManager<StaffUser> users)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(users);
        var result = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return result.Succeeded ? await users.GetUserAsync(result.Principal) : null;
    }

    /// <summary>
    /// A new authenticator key changes the account's security stamp: the sign-in in progress, or the console session,
    /// is issued again so that it survives its own change.
    /// </summary>
    private static async Task KeepSessionAsync(HttpContext context, UserManager<StaffUser> users, Setup? setup, StaffUser user)
    {
        if (setup is not null)
        {
            await IssueSetupAsync(context, users, setup);
        }
        else
        {
            await context.RequestServices.GetRequiredService<SignInManager<StaffUser>>().RefreshSignInAsync(user);
        }
    }

    private static async Task<string> AuthenticatorKeyAsync(UserManager<StaffUser> users, StaffUser user)
    {
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }

        return key!;
    }

    /// <summary>A return address inside the console only: never a redirect to another site.</summary>
    private static string? LocalOrNull(string? returnUrl) =>
        returnUrl is { Length: > 1 } url && url.StartsWith(ConsolePath, StringComparison.Ordinal) && !url.Contains("//", StringComparison.Ordinal)
            && !url.Contains('\\', StringComparison.Ordinal)
            ? url
            : null;

    private const string WrongCredentials = "用户名或密码不正确。The username or password is not correct.";

    private static string PasswordRules(IdentityResult result) =>
        $"新密码至少 {StaffIdentity.MinPasswordLength} 个字符，且不能过于单一。At least {StaffIdentity.MinPasswordLength} characters, not too repetitive. ({string.Join(" ", result.Errors.Select(error => error.Description))})";

    // ----- pages -------------------------------------------------------------------------------------------------------

    private static ContentHttpResult SignInPage(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? problem) =>
        Page(context, "登录 Sign in", $"""
            {Problem(problem)}
            <form method="post" action="{SignInPath}">
              {AntiforgeryField(context, antiforgery)}
              <input type="hidden" name="returnUrl" value="{Html(LocalOrNull(returnUrl) ?? "")}">
              <label for="username">用户名 Username</label>
              <input id="username" name="username" autocomplete="username" required autofocus maxlength="64">
              <label for="password">密码 Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">登录 Sign in</button>
            </form>
            """, problem is null ? 200 : 400);

    private static ContentHttpResult CodePage(HttpContext context, IAntiforgery antiforgery, string? problem) =>
        Page(context, "两步验证 Second factor", $"""
            {Problem(problem)}
            <p>请输入验证器应用中的 6 位验证码，或一个恢复码。Enter the 6-digit code from your authenticator app, or a recovery code.</p>
            <form method="post" action="{CodePath}">
              {AntiforgeryField(context, antiforgery)}
              <label for="code">验证码 Code</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required autofocus maxlength="32">
              <button type="submit">验证 Verify</button>
            </form>
            """, problem is null ? 200 : 400);

    private static ContentHttpResult PasswordPage(HttpContext context, IAntiforgery antiforgery, bool askCurrent, string? problem) =>
        Page(context, "修改密码 Change password", $"""
            {Problem(problem)}
            <p>{(askCurrent ? "" : "这是首次登录或密码已被重置：请设置您自己的新密码。This is a first sign-in or a reset password: choose your own. ")}新密码至少 {StaffIdentity.MinPasswordLength} 个字符。At least {StaffIdentity.MinPasswordLength} characters.</p>
            <form method="post" action="{PasswordPath}">
              {AntiforgeryField(context, antiforgery)}
              {(askCurrent ? """<label for="currentPassword">当前密码 Current password</label><input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required>""" : "")}
              <label for="newPassword">新密码 New password</label>
              <input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="{StaffIdentity.MinPasswordLength}">
              <label for="confirmPassword">再次输入新密码 Repeat the new password</label>
              <input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required minlength="{StaffIdentity.MinPasswordLength}">
              <button type="submit">保存 Save</button>
            </form>
            """, problem is null ? 200 : 400);

    private static ContentHttpResult TwoFactorPage(HttpContext context, IAntiforgery antiforgery, string username, string key, string? problem)
    {
        var uri = $"otpauth://totp/{UrlEncoder.Default.Encode("MedicalAid:" + username)}?secret={key}&issuer=MedicalAid&digits=6";
        var grouped = string.Join(" ", key.ToLowerInvariant().Chunk(4).Select(chunk => new string(chunk)));
        return Page(context, "启用验证器 Authenticator app", $"""
            {Problem(problem)}
            <p>管理员账号必须使用验证器应用（如 Microsoft Authenticator、Google Authenticator）作为第二重验证。在应用中添加账号并输入下面的密钥，然后输入应用显示的 6 位验证码。</p>
            <p>Add an account in your authenticator app with this key, then enter the 6-digit code it shows.</p>
            <p>密钥 Key: <code data-key>{Html(grouped)}</code></p>
            <p class="small">otpauth: <code data-otpauth>{Html(uri)}</code></p>
            <form method="post" action="{TwoFactorPath}">
              {AntiforgeryField(context, antiforgery)}
              <label for="code">验证码 Code</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="16">
              <button type="submit">启用 Turn on</button>
            </form>
            """, problem is null ? 200 : 400);
    }

    internal static ContentHttpResult Page(HttpContext context, string title, string body, int status = 200)
    {
        // Pages with forms and one-time secrets are never cached or framed.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Frame-Options"] = "DENY";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'";
        return TypedResults.Content($$"""
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" type="image/svg+xml" href="/favicon.svg">
            <title>{{Html(title)}} · 医疗救助一站式结算</title>
            <style>
              body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; background: #f4f6f8; margin: 0; color: #1f2933; }
              main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
              h1 { font-size: 1.3rem; margin-top: 0; }
              label { display: block; margin-top: 1rem; font-weight: 600; }
              input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; margin-top: .3rem; border: 1px solid #9aa5b1; border-radius: 4px; }
              button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; background: #0b5cad; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
              button:focus, input:focus, a:focus { outline: 3px solid #f0b429; outline-offset: 2px; }
              .problem { background: #fde8e8; color: #8a1c1c; padding: .7rem; border-radius: 4px; }
              .small { font-size: .8rem; word-break: break-all; }
              .codes { columns: 2; font-size: 1.1rem; }
              dt { font-weight: 600; margin-top: .6rem; }
            </style>
            </head>
            <body>
            <main>
            <p>医疗救助一站式结算 · MedicalAid</p>
            <h1>{{Html(title)}}</h1>
            {{body}}
            </main>
            </body>
            </html>
            """, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    internal static string AntiforgeryField(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{Html(tokens.FormFieldName)}" value="{Html(tokens.RequestToken ?? "")}">""";
    }

    // Chinese text stays readable in the page source; markup characters are still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    internal static string Html(string text) => Encoder.Encode(text);

    private static string Problem(string? problem) =>
        problem is null ? "" : $"""<p class="problem" role="alert">{Html(problem)}</p>""";
}
