namespace MedicalAid.Contracts.Admin;

/// <summary>A staff account as administrators see it. Passwords and second-factor keys are never shown.</summary>
public sealed record class StaffAccount
{
    /// <example>demo-clerk</example>
    public required string Username { get; init; }

    /// <example>千峰街道经办员</example>
    public required string DisplayName { get; init; }

    /// <example>140109001</example>
    public required string UnitCode { get; init; }

    /// <summary>Any of auditor, operator, approver, admin.</summary>
    /// <example>["operator"]</example>
    public required IReadOnlyList<string> Roles { get; init; }

    public required bool Enabled { get; init; }

    /// <summary>The account signs in with an authenticator app as second factor.</summary>
    public required bool TwoFactorEnabled { get; init; }

    /// <summary>The password is an initial or reset one that must be changed at the next sign-in.</summary>
    public required bool MustChangePassword { get; init; }

    /// <summary>Locked after too many failed sign-ins until this instant; null when not locked.</summary>
    public DateTimeOffset? LockedUntil { get; init; }
}

/// <summary>An account with the one-time password it was just given: shown once, never again.</summary>
public sealed record class StaffAccountWithPassword
{
    public required StaffAccount Account { get; init; }

    /// <summary>Give this to the person; it must be changed at the first sign-in.</summary>
    public required string OneTimePassword { get; init; }
}

/// <summary>Creates a staff account; the service generates its one-time initial password.</summary>
public sealed record class CreateStaffRequest
{
    /// <summary>3 to 64 characters: ASCII letters, digits, '-', '.', '_'.</summary>
    /// <example>qianfeng-clerk2</example>
    public required string Username { get; init; }

    /// <summary>1 to 64 characters.</summary>
    /// <example>千峰街道经办员二</example>
    public required string DisplayName { get; init; }

    /// <example>140109001</example>
    public required string UnitCode { get; init; }

    /// <summary>One or more of auditor, operator, approver, admin.</summary>
    /// <example>["operator"]</example>
    public required IReadOnlyList<string> Roles { get; init; }
}

/// <summary>Changes an account's display name, unit and roles.</summary>
public sealed record class UpdateStaffRequest
{
    /// <example>千峰街道经办员二</example>
    public required string DisplayName { get; init; }

    /// <example>140109001</example>
    public required string UnitCode { get; init; }

    /// <example>["operator", "approver"]</example>
    public required IReadOnlyList<string> Roles { get; init; }
}
