using System.Security.Claims;
using System.Text.RegularExpressions;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Units;

/// <summary>
/// The unit tree (组织机构): list, create, rename, move; every change audited. An administrator works inside its own
/// unit's subtree: it sees that part of the tree, and creates, renames and moves only units (and under parents) there;
/// a new city needs an administrator whose scope covers every unit.
/// </summary>
public sealed partial class UnitService(MedicalAidDbContext db, TransactionRunner transactions, AuditTrail audit, DataScopes scopes)
{
    public const string AuditEntityType = "unit";

    public async Task<IReadOnlyList<UnitNode>> TreeAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        var units = await scope.Units(db).AsNoTracking().OrderBy(unit => unit.Path).ToListAsync(cancellationToken);
        return ToTree(units);
    }

    /// <summary>The units as a forest: roots first, children under their parent, each level by code.</summary>
    public static IReadOnlyList<UnitNode> ToTree(IReadOnlyCollection<OrganisationUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var byParent = units.ToLookup(unit => unit.ParentId);
        var byId = units.ToDictionary(unit => unit.Id);
        UnitNode Node(OrganisationUnit unit) => new()
        {
            Code = unit.Code,
            Name = unit.Name,
            Level = ToWire(unit.Level),
            ParentCode = unit.ParentId is { } parent && byId.TryGetValue(parent, out var parentUnit) ? parentUnit.Code : null,
            Children = byParent[unit.Id].OrderBy(child => child.Code, StringComparer.Ordinal).Select(Node).ToArray(),
        };

        // A scoped listing may hold a subtree whose root's parent is not in it: that root is a root here.
        return units.Where(unit => unit.ParentId is null || !byId.ContainsKey(unit.ParentId.Value))
            .OrderBy(unit => unit.Code, StringComparer.Ordinal).Select(Node).ToArray();
    }

    public async Task<Outcome<UnitNode>> CreateAsync(CreateUnitRequest request, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var code = request.Code.Trim();
        var name = request.Name.Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!CodePattern().IsMatch(code))
        {
            errors["code"] = [$"1 to {OrganisationUnit.MaxCodeLength} ASCII letters or digits."];
        }

        AddNameProblem(errors, name);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var scope = await scopes.ForAsync(user, cancellationToken);
        return await transactions.RunAsync<Outcome<UnitNode>>(async token =>
        {
            await LockTreeAsync(token);
            OrganisationUnit? parent = null;
            if (request.ParentCode is { Length: > 0 } parentCode)
            {
                parent = await scope.Units(db).FirstOrDefaultAsync(unit => unit.Code == parentCode.Trim(), token);
                if (parent is null)
                {
                    return Problems.Validation("parentCode", "No unit with this code in your scope.");
                }

                if (OrganisationUnit.ChildLevel(parent.Level) is null)
                {
                    return Problems.Validation("parentCode", "A township or street has no units under it.");
                }
            }

            else if (!scope.CoversAll)
            {
                return Problems.Validation("parentCode", "Required: only an administrator of every unit creates a city.");
            }

            if (await db.Units.AnyAsync(unit => unit.Code == code, token))
            {
                return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate, "A unit with this code already exists.");
            }

            var unit = OrganisationUnit.Under(parent, code, name);
            db.Units.Add(unit);
            await db.SaveChangesAsync(token);
            var node = ToNode(unit, parent);
            audit.Record(user, "unit.created", AuditEntityType, code, null, node);
            await db.SaveChangesAsync(token);
            return Outcome.Success(node, StatusCodes.Status201Created);
        }, cancellationToken);
    }

    /// <summary>Renames a unit, or moves it (with its subtree and people) under another parent of the level above.</summary>
    public async Task<Outcome<UnitNode>> UpdateAsync(string code, UpdateUnitRequest request, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name.Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddNameProblem(errors, name);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var scope = await scopes.ForAsync(user, cancellationToken);
        return await transactions.RunAsync<Outcome<UnitNode>>(async token =>
        {
            await LockTreeAsync(token);
            var unit = await scope.Units(db).FirstOrDefaultAsync(candidate => candidate.Code == code, token);
            if (unit is null)
            {
                return Problems.NotFound("No unit with this code.");
            }

            var parent = unit.ParentId is { } parentId ? await db.Units.FirstAsync(candidate => candidate.Id == parentId, token) : null;
            var before = ToNode(unit, parent);
            if (request.ParentCode is { Length: > 0 } parentCode && parentCode.Trim() != parent?.Code)
            {
                var newParent = await scope.Units(db).FirstOrDefaultAsync(candidate => candidate.Code == parentCode.Trim(), token);
                if (newParent is null)
                {
                    return Problems.Validation("parentCode", "No unit with this code in your scope.");
                }

                if (OrganisationUnit.ChildLevel(newParent.Level) != unit.Level)
                {
                    return Problems.Validation("parentCode", unit.Level == UnitLevel.City
                        ? "A city has no parent."
                        : $"A {ToWire(unit.Level)} belongs under a {(unit.Level == UnitLevel.District ? "city" : "district")}.");
                }

                // The subtree's paths all start with the old path; they now start with the new one.
                var oldPath = unit.Path;
                var newPath = OrganisationUnit.PathOf(newParent.Path, unit.Code);
                var subtree = await db.Units.Where(candidate => candidate.Path.StartsWith(oldPath)).ToListAsync(token);
                foreach (var member in subtree)
                {
                    member.Path = newPath + member.Path[oldPath.Length..];
                }

                unit.ParentId = newParent.Id;
                parent = newParent;
            }

            unit.Name = name;
            var after = ToNode(unit, parent);
            if (after != before with { Children = after.Children })
            {
                audit.Record(user, before.ParentCode == after.ParentCode ? "unit.renamed" : "unit.moved", AuditEntityType, unit.Code, before, after);
            }

            await db.SaveChangesAsync(token);
            return Outcome.Success(after, StatusCodes.Status200OK);
        }, cancellationToken);
    }

    /// <summary>
    /// One change to the tree at a time on PostgreSQL (SQLite has one writer anyway): a move rewrites its subtree's
    /// paths, and a unit created under that subtree at the same moment, on another instance, would otherwise take its
    /// path from the parent's old one.
    /// </summary>
    private async Task LockTreeAsync(CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(4242002)", cancellationToken);
        }
    }

    public static string ToWire(UnitLevel level) => level switch
    {
        UnitLevel.City => "city",
        UnitLevel.District => "district",
        _ => "township",
    };

    private static UnitNode ToNode(OrganisationUnit unit, OrganisationUnit? parent) => new()
    {
        Code = unit.Code,
        Name = unit.Name,
        Level = ToWire(unit.Level),
        ParentCode = parent?.Code,
        Children = [],
    };

    private static void AddNameProblem(Dictionary<string, string[]> errors, string name)
    {
        if (name.Length is 0 or > OrganisationUnit.MaxNameLength || name.Any(char.IsControl))
        {
            errors["name"] = [$"1 to {OrganisationUnit.MaxNameLength} characters, no control characters."];
        }
    }

    [GeneratedRegex("^[0-9A-Za-z]{1,12}$")]
    private static partial Regex CodePattern();
}
