using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Units;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Staff;

/// <summary>
/// Staff accounts for administrators: create with a one-time password, change name, unit and roles, disable and
/// enable, reset the password or the second factor. Every change is audited in the same transaction; an account
/// outside the administrator's own unit subtree does not exist for them.
/// </summary>
public sealed partial class StaffAccounts(
    MedicalAidDbContext db, UserManager<StaffUser> users, TransactionRunner transactions, AuditTrail audit, DataScopes scopes)
{
    public const string AuditEntityType = "staff";

    // No 0/O, 1/l/I: a one-time password is read aloud or copied from paper.
    private const string PasswordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const int OneTimePasswordLength = 16;

    public async Task<IReadOnlyList<StaffAccount>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(caller, cancellationToken);
        var units = scope.Units(db);
        var rows = await db.Users.AsNoTracking()
            .Where(user => units.Select(unit => unit.Id).Contains(user.UnitId))
            .OrderBy(user => user.UserName)
            .Select(user => new
            {
                User = user,
                UnitCode = db.Units.Where(unit => unit.Id == user.UnitId).Select(unit => unit.Code).First(),
                Roles = db.UserRoles.Where(link => link.UserId == user.Id)
                    .Join(db.Roles, link => link.RoleId, role => role.Id, (link, role) => role.Name!).ToList(),
            })
            .ToListAsync(cancellationToken);
        return rows.Select(row => ToAccount(row.User, row.UnitCode, row.Roles)).ToArray();
    }

    public async Task<Outcome<StaffAccountWithPassword>> CreateAsync(CreateStaffRequest request, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await CreateAsync(request, StaffAccess.Actor(caller), await scopes.ForAsync(caller, cancellationToken), cancellationToken);
    }

    /// <summary>Creates an account on behalf of <paramref name="actor"/> (an administrator, or the console command on a fresh database).</summary>
    public async Task<Outcome<StaffAccountWithPassword>> CreateAsync(CreateStaffRequest request, string actor, DataScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(scope);
        var username = request.Username.Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!UsernamePattern().IsMatch(username))
        {
            errors["username"] = ["3 to 64 characters: ASCII letters, digits, '-', '.' and '_'."];
        }

        var displayName = request.DisplayName.Trim();
        AddDisplayNameProblem(errors, displayName);
        AddRolesProblem(errors, request.Roles);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return await transactions.RunAsync<Outcome<StaffAccountWithPassword>>(async token =>
        {
            var unit = await UnitInScopeAsync(request.UnitCode, scope, token);
            if (unit is null)
            {
                return Problems.Validation("unitCode", "No unit with this code in your scope.");
            }

            if (await users.FindByNameAsync(username) is not null)
            {
                return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate, "An account with this username already exists.");
            }

            var password = OneTimePassword();
            var user = new StaffUser { UserName = username, DisplayName = displayName, UnitId = unit.Id, MustChangePassword = true };
            if (Refusal(await users.CreateAsync(user, password), "username") is { } createProblem)
            {
                return createProblem;
            }

            var roles = Normalise(request.Roles);
            if (Refusal(await users.AddToRolesAsync(user, roles), "roles") is { } rolesProblem)
            {
                return rolesProblem;
            }

            var account = ToAccount(user, unit.Code, roles);
            audit.Record(actor, "staff.created", AuditEntityType, username, null, account);
            await db.SaveChangesAsync(token);
            return Outcome.Success(new StaffAccountWithPassword { Account = account, OneTimePassword = password }, StatusCodes.Status201Created);
        }, cancellationToken);
    }

    public async Task<Outcome<StaffAccount>> UpdateAsync(string username, UpdateStaffRequest request, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var displayName = request.DisplayName.Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddDisplayNameProblem(errors, displayName);
        AddRolesProblem(errors, request.Roles);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var scope = await scopes.ForAsync(caller, cancellationToken);
        return await ChangeAsync(username, caller, scope, "staff.updated", async (user, token) =>
        {
            var unit = await UnitInScopeAsync(request.UnitCode, scope, token);
            if (unit is null)
            {
                return Problems.Validation("unitCode", "No unit with this code in your scope.");
            }

            user.DisplayName = displayName;
            user.UnitId = unit.Id;
            var current = await users.GetRolesAsync(user);
            var wanted = Normalise(request.Roles);
            // New roles or unit take effect on the account's next request: its console sessions re-read the account on
            // every request (StaffIdentity), so they need not end.
            return Refusal(await users.RemoveFromRolesAsync(user, current.Except(wanted).ToArray()), "roles")
                ?? Refusal(await users.AddToRolesAsync(user, wanted.Except(current).ToArray()), "roles");
        }, cancellationToken);
    }

    public async Task<Outcome<StaffAccount>> SetEnabledAsync(string username, bool enabled, ClaimsPrincipal caller, CancellationToken cancellationToken) =>
        await ChangeAsync(username, caller, await scopes.ForAsync(caller, cancellationToken), enabled ? "staff.enabled" : "staff.disabled", async (user, _) =>
        {
            if (enabled)
            {
                // Enabling again also lifts a lockout: the administrator has spoken to the person.
                user.LockoutEnd = null;
                user.AccessFailedCount = 0;
            }

            user.Enabled = enabled;
            // A disabled account's cookies fail their next security-stamp check.
            return Refusal(await users.UpdateSecurityStampAsync(user), "username");
        }, cancellationToken);

    /// <summary>Gives the account a new one-time password, ends its sessions and lifts a lockout.</summary>
    public async Task<Outcome<StaffAccountWithPassword>> ResetPasswordAsync(string username, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        var password = OneTimePassword();
        var outcome = await ChangeAsync(username, caller, await scopes.ForAsync(caller, cancellationToken), "staff.password-reset", async (user, _) =>
        {
            user.MustChangePassword = true;
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            var token = await users.GeneratePasswordResetTokenAsync(user);
            return Refusal(await users.ResetPasswordAsync(user, token, password), "password");
        }, cancellationToken);
        return outcome.Value is { } account
            ? Outcome.Success(new StaffAccountWithPassword { Account = account, OneTimePassword = password }, StatusCodes.Status200OK)
            : Outcome.Failure<StaffAccountWithPassword>(outcome.Problem!);
    }

    /// <summary>Turns the second factor off and forgets the authenticator key (a lost phone); the person enrols again.</summary>
    public async Task<Outcome<StaffAccount>> ResetTwoFactorAsync(string username, ClaimsPrincipal caller, CancellationToken cancellationToken) =>
        await ChangeAsync(username, caller, await scopes.ForAsync(caller, cancellationToken), "staff.two-factor-reset", async (user, _) =>
            Refusal(await users.SetTwoFactorEnabledAsync(user, false), "username")
            ?? Refusal(await users.ResetAuthenticatorKeyAsync(user), "username"), cancellationToken);

    /// <summary>
    /// Replaces a new account's generated password with one its owner chose (the console command's --password-stdin),
    /// so it need not be changed at the first sign-in. Null when done, else why the password was refused.
    /// </summary>
    public async Task<string?> SetInitialPasswordAsync(string username, string password, string actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByNameAsync(username) ?? throw new InvalidOperationException($"No account {username}.");
        var result = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password);
        if (!result.Succeeded)
        {
            return string.Join(" ", result.Errors.Select(error => error.Description));
        }

        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        audit.Record(actor, "staff.password-changed", AuditEntityType, username, null, new { initial = true });
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private async Task<Outcome<StaffAccount>> ChangeAsync(
        string username, ClaimsPrincipal caller, DataScope scope, string action, Func<StaffUser, CancellationToken, Task<ProblemDetails?>> change,
        CancellationToken cancellationToken) =>
        await transactions.RunAsync<Outcome<StaffAccount>>(async token =>
        {
            var user = await users.FindByNameAsync(username);
            var unit = user is null ? null : await db.Units.FirstAsync(candidate => candidate.Id == user.UnitId, token);
            if (user is null || unit is null || !scope.Contains(unit))
            {
                return Problems.NotFound("No staff account with this username.");
            }

            var before = ToAccount(user, unit.Code, [.. await users.GetRolesAsync(user)]);
            if (await change(user, token) is { } problem)
            {
                return problem;
            }

            var unitCode = await db.Units.Where(candidate => candidate.Id == user.UnitId).Select(candidate => candidate.Code).FirstAsync(token);
            var after = ToAccount(user, unitCode, [.. await users.GetRolesAsync(user)]);
            audit.Record(caller, action, AuditEntityType, user.UserName!, before, after);
            await db.SaveChangesAsync(token);
            return Outcome.Success(after, StatusCodes.Status200OK);
        }, cancellationToken);

    private async Task<OrganisationUnit?> UnitInScopeAsync(string unitCode, DataScope scope, CancellationToken cancellationToken)
    {
        var code = unitCode.Trim();
        return await scope.Units(db).FirstOrDefaultAsync(unit => unit.Code == code, cancellationToken);
    }

    public static StaffAccount ToAccount(StaffUser user, string unitCode, IReadOnlyCollection<string> roles)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new StaffAccount
        {
            Username = user.UserName!,
            DisplayName = user.DisplayName,
            UnitCode = unitCode,
            Roles = roles.OrderBy(role => role, StringComparer.Ordinal).ToArray(),
            Enabled = user.Enabled,
            TwoFactorEnabled = user.TwoFactorEnabled,
            MustChangePassword = user.MustChangePassword,
            LockedUntil = user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : null,
        };
    }

    public static string OneTimePassword() =>
        new(RandomNumberGenerator.GetItems<char>(PasswordAlphabet, OneTimePasswordLength));

    private static string[] Normalise(IReadOnlyList<string> roles) =>
        roles.Select(role => role.Trim()).Distinct(StringComparer.Ordinal).ToArray();

    private static void AddDisplayNameProblem(Dictionary<string, string[]> errors, string displayName)
    {
        if (displayName.Length is 0 or > StaffUser.MaxDisplayNameLength || displayName.Any(char.IsControl))
        {
            errors["displayName"] = [$"1 to {StaffUser.MaxDisplayNameLength} characters, no control characters."];
        }
    }

    private static void AddRolesProblem(Dictionary<string, string[]> errors, IReadOnlyList<string>? roles)
    {
        // JSON may carry null inside the list whatever the contract says.
        if (roles is null || roles.Count == 0 || roles.Any(role => role is null || !StaffAccess.Roles.Contains(role.Trim())))
        {
            errors["roles"] = [$"One or more of {string.Join(", ", StaffAccess.Roles)}."];
        }
    }

    /// <summary>An Identity refusal as a field-level problem (duplicate names and password rules in plain words).</summary>
    private static HttpValidationProblemDetails? Refusal(IdentityResult result, string field) =>
        result.Succeeded ? null : Problems.Validation(field, string.Join(" ", result.Errors.Select(error => error.Description)));

    [GeneratedRegex("^[A-Za-z0-9._-]{3,64}$")]
    private static partial Regex UsernamePattern();
}
