using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Staff;

/// <summary>Settings of staff accounts (section <c>Staff</c>).</summary>
public sealed class StaffOptions
{
    public const string Section = "Staff";

    /// <summary>Accounts with the admin role must sign in with an authenticator app (TOTP) as second factor.</summary>
    public bool RequireTwoFactorForAdmin { get; set; } = true;

    /// <summary>How long a console sign-in lasts without activity (sliding).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "08:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>ASP.NET Core Identity for staff accounts: password and lockout rules, the console cookie, the claims.</summary>
public static class StaffIdentity
{
    public const int MinPasswordLength = 12;
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public static IServiceCollection AddStaffIdentity(this IServiceCollection services)
    {
        services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddIdentityCore<StaffUser>(options =>
            {
                // Length, not composition (NIST SP 800-63B): a long passphrase is strong without forced symbols.
                options.Password.RequiredLength = MinPasswordLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 5;
                options.Lockout.MaxFailedAccessAttempts = MaxFailedSignIns;
                options.Lockout.DefaultLockoutTimeSpan = LockoutDuration;
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<MedicalAidDbContext>()
            .AddSignInManager<StaffSignInManager>()
            .AddClaimsPrincipalFactory<StaffClaimsFactory>()
            .AddDefaultTokenProviders();

        services.AddAuthentication()
            .AddIdentityCookies();
        services.AddAuthentication()
            .AddCookie(StaffSignIn.SetupScheme, options =>
            {
                options.Cookie.Name = StaffSignIn.SetupCookieName;
                options.Cookie.Path = StaffSignIn.ConsolePath;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromMinutes(10);
                options.SlidingExpiration = false;
                options.LoginPath = StaffSignIn.SignInPath;
            });
        services.AddOptions<CookieAuthenticationOptions>(StaffSignIn.SetupScheme)
            .Configure<IHostEnvironment>((options, environment) => options.Cookie.SecurePolicy = SecurePolicy(environment));
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IHostEnvironment, IOptions<StaffOptions>>((options, environment, staff) =>
            {
                options.Cookie.Name = StaffSignIn.CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = SecurePolicy(environment);
                options.ExpireTimeSpan = staff.Value.SessionIdleTimeout;
                options.SlidingExpiration = true;
                options.LoginPath = StaffSignIn.SignInPath;
                options.LogoutPath = StaffSignIn.SignOutPath;
                options.AccessDeniedPath = StaffSignIn.ConsolePath;
                options.ReturnUrlParameter = "returnUrl";
                // The API answers with status codes, never with a redirect to a sign-in page.
                options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
                options.Events.OnValidatePrincipal = ValidateEveryRequestAsync;
            });
        return services;
    }

    /// <summary>
    /// Every request with a console cookie reads the account again (one indexed lookup): a disabled account, a reset
    /// password or a cleared second factor ends its sessions at once, and changed roles or unit apply from the next
    /// request, rather than after Identity's periodic re-validation.
    /// </summary>
    private static async Task ValidateEveryRequestAsync(CookieValidatePrincipalContext context)
    {
        var signIns = context.HttpContext.RequestServices.GetRequiredService<SignInManager<StaffUser>>();
        var user = await signIns.ValidateSecurityStampAsync(context.Principal);
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        context.ReplacePrincipal(await signIns.CreateUserPrincipalAsync(user));
    }

    private static CookieSecurePolicy SecurePolicy(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing") ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments(StaffSignIn.ConsolePath, StringComparison.Ordinal))
        {
            context.Response.Redirect(context.RedirectUri);
        }
        else
        {
            context.Response.StatusCode = status;
        }

        return Task.CompletedTask;
    }
}

/// <summary>The console principal carries the same claims a staff token does: roles, the unit code, and who it is.</summary>
public sealed class StaffClaimsFactory(
    UserManager<StaffUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options, MedicalAidDbContext db)
    : UserClaimsPrincipalFactory<StaffUser, IdentityRole>(users, roles, options)
{
    public const string DisplayNameClaim = "medicalaid:display-name";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StaffUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = await base.GenerateClaimsAsync(user);
        var unitCode = await db.Units.Where(unit => unit.Id == user.UnitId).Select(unit => unit.Code).SingleAsync();
        identity.AddClaim(new Claim(StaffAccess.UnitClaim, unitCode));
        identity.AddClaim(new Claim(DisplayNameClaim, user.DisplayName));
        return identity;
    }
}

/// <summary>A disabled account cannot sign in, and its existing cookies stop working on their next request.</summary>
public sealed class StaffSignInManager(
    UserManager<StaffUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<StaffUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<StaffUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<StaffUser> confirmation)
    : SignInManager<StaffUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(StaffUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Enabled && await base.CanSignInAsync(user);
    }

    public override async Task<StaffUser?> ValidateSecurityStampAsync(ClaimsPrincipal? principal)
    {
        var user = await base.ValidateSecurityStampAsync(principal);
        return user is { Enabled: true } ? user : null;
    }
}
