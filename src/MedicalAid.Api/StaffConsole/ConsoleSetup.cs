using System.Security.Claims;
using MedicalAid.Api.Staff;
using MedicalAid.Api.StaffConsole.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace MedicalAid.Api.StaffConsole;

/// <summary>
/// The staff console: a Blazor Web App (interactive server rendering) with MudBlazor, served by the API's own host
/// at /console. Its pages call the same feature services as the staff endpoints, under the same roles and unit scope.
/// </summary>
public static class ConsoleSetup
{
    /// <summary>Any staff role, signed in with the console's cookie (a browser without it is sent to the sign-in page).</summary>
    public const string Policy = "console";

    public static IServiceCollection AddStaffConsole(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, StaffAuthenticationStateProvider>();
        services.AddScoped<ConsoleData>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme)
            .RequireAuthenticatedUser()
            .RequireRole(StaffAccess.Roles));
        return services;
    }

    public static WebApplication MapStaffConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapStaticAssets();
        app.MapGet($"{StaffSignIn.ConsolePath}/language", ChooseLanguage).ExcludeFromDescription();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(Policy);
        return app;
    }

    /// <summary>The language switch: remembered in a cookie for a year, then back to the page it was chosen on.</summary>
    public static RedirectHttpResult ChooseLanguage(string? lang, string? returnUrl, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(ConsoleText.CookieName, lang == ConsoleText.English ? ConsoleText.English : ConsoleText.Chinese, new CookieOptions
        {
            Path = StaffSignIn.ConsolePath,
            MaxAge = TimeSpan.FromDays(365),
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
        });
        var local = returnUrl is { Length: > 0 } url && url.StartsWith(StaffSignIn.ConsolePath, StringComparison.Ordinal)
            && !url.Contains("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal);
        return TypedResults.Redirect(local ? returnUrl! : StaffSignIn.ConsolePath);
    }
}

/// <summary>
/// The signed-in account of a console circuit, checked again every 15 seconds: a disabled account, a reset password,
/// or changed roles or unit end the open console's authentication (the page then sends the person to sign in, and the
/// cookie, which re-reads the account on every request, brings the new roles and unit). The HTTP requests a page makes
/// are checked on every request anyway.
/// </summary>
public sealed class StaffAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(15);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        await using var scope = scopes.CreateAsyncScope();
        return await IsStillValidAsync(scope.ServiceProvider.GetRequiredService<SignInManager<StaffUser>>(), authenticationState.User);
    }

    /// <summary>Whether the account behind a circuit's principal is still enabled, unchanged in its stamp, roles and unit.</summary>
    internal static async Task<bool> IsStillValidAsync(SignInManager<StaffUser> signIns, ClaimsPrincipal circuit)
    {
        if (await signIns.ValidateSecurityStampAsync(circuit) is not { } account)
        {
            return false;
        }

        var now = await signIns.CreateUserPrincipalAsync(account);
        return Same(circuit, now, ClaimTypes.Role) && Same(circuit, now, StaffAccess.UnitClaim);
    }

    private static bool Same(ClaimsPrincipal left, ClaimsPrincipal right, string type) =>
        left.FindAll(type).Select(claim => claim.Value).Order(StringComparer.Ordinal)
            .SequenceEqual(right.FindAll(type).Select(claim => claim.Value).Order(StringComparer.Ordinal), StringComparer.Ordinal);
}

/// <summary>The signed-in person as the console's pages use it.</summary>
public static class ConsoleUser
{
    public static string DisplayName(ClaimsPrincipal user) =>
        user?.FindFirstValue(StaffClaimsFactory.DisplayNameClaim) ?? user?.Identity?.Name ?? "";
}
