using System.Security.Claims;
using MedicalAid.Api.Hospitals;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace MedicalAid.Api.Staff;

/// <summary>
/// Who civil-affairs staff are and what their roles allow. Staff reach the API with a JWT bearer token from the
/// province's identity provider (`dotnet user-jwts` in Development) or with the console's sign-in cookie; both give the
/// same claims (<c>role</c>, and <c>unit</c> for the office), so one set of policies decides for either. Roles say what,
/// the unit says where (<see cref="DataScope"/>).
/// </summary>
public static class StaffAccess
{
    public const string Auditor = "auditor";
    public const string Operator = "operator";
    public const string Approver = "approver";
    public const string Admin = "admin";

    public static IReadOnlyList<string> Roles { get; } = [Auditor, Operator, Approver, Admin];

    /// <summary>The claim naming the staff member's unit (its code); none means city level.</summary>
    public const string UnitClaim = "unit";

    /// <summary>The authentication scheme of every staff policy: it picks bearer, cookie or (to refuse it) hospital key.</summary>
    public const string Scheme = "Staff";

    /// <summary>Any staff role: reading.</summary>
    public const string ReadPolicy = "staff-read";

    /// <summary>Operator or admin: beneficiaries.</summary>
    public const string OperatePolicy = "staff-operate";

    /// <summary>Admin only: hospitals, policies, funds, units, staff accounts, clearing.</summary>
    public const string AdminPolicy = "staff-admin";

    /// <summary>Auditor or admin: the audit trail.</summary>
    public const string AuditPolicy = "staff-audit";

    /// <summary>
    /// Admin of an account whose unit covers every unit (or without a unit): hospitals, policies, funds and clearing are
    /// the city's, pooled for all its people, so an administrator of one district or township may not change them.
    /// </summary>
    public const string CityAdminPolicy = "staff-city-admin";

    /// <summary>The most a token's lifetime is stretched for clocks that disagree (the library's default is 5 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddStaffAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddJwtBearer()
            .AddPolicyScheme(Scheme, "Staff (bearer token or console sign-in)", options => options.ForwardDefaultSelector = SelectScheme);
        // After the configuration is bound: why a token failed (expired, wrong issuer, bad signature) is said in
        // WWW-Authenticate only in Development, where it helps; elsewhere it would help only someone forging tokens.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                options.IncludeErrorDetails = environment.IsDevelopment();
                if (options.TokenValidationParameters.ClockSkew > MaxClockSkew)
                {
                    options.TokenValidationParameters.ClockSkew = MaxClockSkew;
                }
            });
        services.AddStaffIdentity();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => StaffPolicy(policy).RequireRole(Auditor, Operator, Approver, Admin))
            .AddPolicy(OperatePolicy, policy => StaffPolicy(policy).RequireRole(Operator, Admin))
            .AddPolicy(AdminPolicy, policy => StaffPolicy(policy).RequireRole(Admin))
            .AddPolicy(AuditPolicy, policy => StaffPolicy(policy).RequireRole(Auditor, Admin))
            .AddPolicy(CityAdminPolicy, policy => StaffPolicy(policy).RequireRole(Admin).AddRequirements(new CoversEveryUnitRequirement()));
        services.AddScoped<IAuthorizationHandler, CoversEveryUnitHandler>();
        services.AddScoped<DataScopes>();
        return services;
    }

    /// <summary>
    /// One credential decides who the caller is, never a merge of several: a bearer token if one is sent, else a
    /// hospital key (authenticated so that it is refused with 403 rather than treated as no credentials), else the
    /// console's cookie. Without any, the bearer scheme answers the challenge (401 with WWW-Authenticate: Bearer).
    /// </summary>
    private static string SelectScheme(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.Authorization.Count > 0)
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }

        if (headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        return context.Request.Cookies.ContainsKey(StaffSignIn.CookieName) ? IdentityConstants.ApplicationScheme : JwtBearerDefaults.AuthenticationScheme;
    }

    private static AuthorizationPolicyBuilder StaffPolicy(AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser();

    /// <summary>Who did it, for the audit trail: the token's name, else the account's username, else its subject.</summary>
    public static string Actor(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue("name") ?? user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub") ?? "unknown";
    }

    /// <summary>The caller's unit code, or null for city level.</summary>
    public static string? UnitCode(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(UnitClaim) is { Length: > 0 } code ? code : null;
    }
}

/// <summary>The caller's unit covers every unit (see <see cref="DataScope.CoversAll"/>).</summary>
public sealed class CoversEveryUnitRequirement : IAuthorizationRequirement;

public sealed class CoversEveryUnitHandler(DataScopes scopes) : AuthorizationHandler<CoversEveryUnitRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CoversEveryUnitRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellation = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        if ((await scopes.ForAsync(context.User, cancellation)).CoversAll)
        {
            context.Succeed(requirement);
        }
    }
}
