using System.Security.Claims;
using MedicalAid.Api.Hospitals;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace MedicalAid.Api.Staff;

/// <summary>
/// Civil-affairs staff sign in with JWT bearer tokens from any OIDC issuer (configured under
/// Authentication:Schemes:Bearer; `dotnet user-jwts` for local use). Roles: auditor reads, operator also manages
/// beneficiaries, admin does everything.
/// </summary>
public static class StaffAccess
{
    public const string Auditor = "auditor";
    public const string Operator = "operator";
    public const string Admin = "admin";

    /// <summary>Any staff role: reading.</summary>
    public const string ReadPolicy = "staff-read";

    /// <summary>Operator or admin: beneficiaries.</summary>
    public const string OperatePolicy = "staff-operate";

    /// <summary>Admin only: hospitals, policies, funds, audit.</summary>
    public const string AdminPolicy = "staff-admin";

    public static IServiceCollection AddStaffAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddJwtBearer();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => StaffPolicy(policy).RequireRole(Auditor, Operator, Admin))
            .AddPolicy(OperatePolicy, policy => StaffPolicy(policy).RequireRole(Operator, Admin))
            .AddPolicy(AdminPolicy, policy => StaffPolicy(policy).RequireRole(Admin));
        return services;
    }

    /// <summary>
    /// Staff endpoints authenticate both kinds of caller, so that a hospital key is recognised and refused (403)
    /// rather than treated as no credentials (401).
    /// </summary>
    private static Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder StaffPolicy(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser();

    /// <summary>Who did it, for the audit trail: the token's name, else its subject.</summary>
    public static string Actor(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue("name") ?? user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub") ?? "unknown";
    }
}
