using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Staff;

/// <summary>The account's own page: who is signed in, their unit and roles, and what they can do about their account.</summary>
public static class ConsoleHome
{
    public static IEndpointRouteBuilder MapConsoleHome(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(StaffSignIn.AccountPath, Show)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser())
            .ExcludeFromDescription()
            .WithName("ConsoleAccount");
        return routes;
    }

    public static async Task<IResult> Show(HttpContext context, ClaimsPrincipal user, MedicalAidDbContext db)
    {
        var unitCode = StaffAccess.UnitCode(user);
        var unit = await db.Units.AsNoTracking().Where(candidate => candidate.Code == unitCode)
            .Select(candidate => new { candidate.Code, candidate.Name }).FirstOrDefaultAsync(context.RequestAborted);
        var roles = StaffAccess.Roles.Where(user.IsInRole).Select(RoleName);
        return StaffSignIn.Page(context, "我的账号 My account", $"""
            <dl>
              <dt>姓名 Name</dt><dd data-field="display-name">{StaffSignIn.Html(user.FindFirstValue(StaffClaimsFactory.DisplayNameClaim) ?? "")}</dd>
              <dt>用户名 Username</dt><dd data-field="username">{StaffSignIn.Html(user.Identity?.Name ?? "")}</dd>
              <dt>单位 Unit</dt><dd data-field="unit">{StaffSignIn.Html(unit is null ? unitCode ?? "" : $"{unit.Name}（{unit.Code}）")}</dd>
              <dt>角色 Roles</dt><dd data-field="roles">{StaffSignIn.Html(string.Join("、", roles))}</dd>
            </dl>
            <p><a href="{StaffSignIn.ConsolePath}">工作台 Console</a> · <a href="{StaffSignIn.PasswordPath}">修改密码 Change password</a> · <a href="{StaffSignIn.TwoFactorPath}">验证器 Authenticator</a> · <a href="{StaffSignIn.SignOutPath}">退出登录 Sign out</a></p>
            """);
    }

    /// <summary>A role as staff call it, with its code.</summary>
    public static string RoleName(string role) => role switch
    {
        StaffAccess.Auditor => "审计员 auditor",
        StaffAccess.Operator => "经办员 operator",
        StaffAccess.Approver => "审批人 approver",
        StaffAccess.Admin => "管理员 admin",
        _ => role,
    };
}
