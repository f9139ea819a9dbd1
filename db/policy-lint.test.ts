/**
 * The database's authorization, read back from pg_catalog after role setup
 * and every migration: a committed snapshot (2), so that widening a policy
 * or a grant is a visible diff in review, and lints that hold every table
 * (1), policy (3, 4), login role (5) and function (6) to the rules the rest
 * of Warden relies on.
 *
 * After an intended change, regenerate the snapshot and review its diff:
 *
 *     npx vitest run db/policy-lint.test.ts -u
 *
 * preferably against a database migrated from scratch, as CI's is:
 * `rm -rf .data/test-lint && WARDEN_TEST_DATA_DIR=.data/test-lint npx vitest run db/policy-lint.test.ts -u`.
 * Under CI=true vitest refuses to write a missing or changed snapshot, so
 * CI compares against the committed file and nothing else.
 *
 * Every lint is a function of the catalog, and each is also run over a
 * deliberately broken fixture, made in a transaction that rolls back, and
 * must report exactly what was broken.
 */
import type { PoolClient } from "@neondatabase/serverless";
import { afterAll, describe, expect, it } from "vitest";
import { BACKEND_ROLE_NAMES, LOGIN_ROLES } from "../roles/roles";
import { closeRolePools } from "./pools.server";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";

const owner = ownerPool();
const madeBy: string[] = [];

afterAll(async () => {
  await owner.query("delete from todos where user_id = any($1::text[])", [madeBy]);
  await owner.end();
  await closeRolePools();
});

type Db = Pick<PoolClient, "query">;
const LOGIN_ROLE_NAMES = LOGIN_ROLES.map(({ role }) => role);

/**
 * Runs `work` in a transaction that always rolls back, so fixtures vanish.
 * pg_catalog alone on the search path makes pg_get_expr print every app
 * table and function schema-qualified, whatever the connection's settings.
 */
async function rolledBack<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const client = await owner.connect();
  try {
    await client.query("begin");
    await client.query("set local search_path = pg_catalog");
    return await work(client);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

async function rows<T>(db: Db, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(text, values)).rows as T[];
}

/**
 * The app's schemas: every schema but the system's (names starting `pg_` are
 * reserved to Postgres), information_schema, and drizzle's migration ledger.
 */
const appSchema = (alias: string) =>
  `(${alias}.nspname not like 'pg\\_%' and ${alias}.nspname not in ('information_schema', 'drizzle'))`;

/** A grantee oid as a name; 0 is PUBLIC. */
const granteeName = (column: string) =>
  `case when ${column} = 0 then 'PUBLIC' else ${column}::regrole::text end`;

// ---------------------------------------------------------------------------
// 1. Row-level security everywhere
// ---------------------------------------------------------------------------

/**
 * Tables must have RLS on. Views and materialized views are listed too: a
 * view reads its tables with its owner's rights (who bypasses RLS) unless it
 * is security_invoker, and a materialized view is a copy no policy covers.
 */
async function rlsViolations(db: Db): Promise<string[]> {
  const found = await rows<{ name: string; relkind: string; rls: boolean; invoker: boolean }>(
    db,
    `select format('%I.%I', n.nspname, c.relname) collate "C" as name, c.relkind, c.relrowsecurity as rls,
            coalesce((select option_value from pg_options_to_table(c.reloptions) where option_name = 'security_invoker'), 'false')::boolean as invoker
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${appSchema("n")} and c.relkind in ('r', 'p', 'f', 'v', 'm')
      order by name`,
  );
  return found.flatMap(({ name, relkind, rls, invoker }) => {
    if (relkind === "m") return [`${name}: a materialized view, which no policy protects`];
    if (relkind === "v")
      return invoker
        ? []
        : [
            `${name}: a view without security_invoker, which reads its tables with its owner's rights`,
          ];
    return rls ? [] : [`${name}: row-level security is off`];
  });
}

// ---------------------------------------------------------------------------
// 2. The snapshot
// ---------------------------------------------------------------------------

const COMMANDS: Record<string, string> = {
  r: "SELECT",
  a: "INSERT",
  w: "UPDATE",
  d: "DELETE",
  "*": "ALL",
};

/**
 * One line per object and grantee, so a widened grant changes exactly one
 * line. A NULL ACL is the object's default one, spelled out with acldefault:
 * for a function that includes EXECUTE for PUBLIC.
 */
async function grantLines(db: Db): Promise<string[]> {
  const exploded = (acl: string) =>
    `cross join lateral (select ${granteeName("x.grantee")} as grantee,
                                string_agg(x.privilege_type || case when x.is_grantable then '*' else '' end, ', ' order by x.privilege_type) as privileges
                           from aclexplode(${acl}) x group by x.grantee) g`;
  const found = await rows<{ line: string }>(
    db,
    `select line from (
       select 1 as part, format('schema %I', n.nspname) as object, g.grantee, g.privileges
         from pg_namespace n ${exploded("coalesce(n.nspacl, acldefault('n', n.nspowner))")}
        where ${appSchema("n")}
       union all
       select 2, format('%s %I.%I', case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, n.nspname, c.relname),
              g.grantee, g.privileges
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
              ${exploded(`coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner))`)}
        where ${appSchema("n")} and c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
       union all
       select 3, format('column %I.%I.%I', n.nspname, c.relname, a.attname), g.grantee, g.privileges
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
              ${exploded("a.attacl")}
        where ${appSchema("n")} and a.attnum > 0 and not a.attisdropped and a.attacl is not null
       union all
       select 4, format('function %I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), g.grantee, g.privileges
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              ${exploded("coalesce(p.proacl, acldefault('f', p.proowner))")}
        where ${appSchema("n")}
       union all
       select 5, format('default for %s created by %s in %s',
                        case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions' when 'T' then 'types' else 'schemas' end,
                        d.defaclrole::regrole, coalesce((select format('schema %I', s.nspname) from pg_namespace s where s.oid = d.defaclnamespace), 'every schema')),
              g.grantee, g.privileges
         from pg_default_acl d ${exploded("d.defaclacl")}
     ) grants(part, object, grantee, privileges)
     cross join lateral (select object || ' -> ' || grantee || ': ' || privileges as line) l
     order by part, object collate "C", grantee collate "C"`,
  );
  return found.map(({ line }) => line);
}

async function snapshotText(db: Db): Promise<string> {
  const tables = await rows<{ line: string }>(
    db,
    `select format('%I.%I: rls %s%s', n.nspname, c.relname, case when c.relrowsecurity then 'on' else 'off' end,
                   case when c.relforcerowsecurity then ', forced' else '' end) as line
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${appSchema("n")} and c.relkind in ('r', 'p', 'f')
      order by n.nspname collate "C", c.relname collate "C"`,
  );
  const policies = await rows<{
    head: string;
    cmd: string;
    roles: string;
    using: string | null;
    check: string | null;
  }>(
    db,
    `select format('%I.%I %I', n.nspname, c.relname, p.polname) as head, p.polcmd as cmd,
            case when p.polpermissive then 'permissive' else 'restrictive' end || ' to ' ||
              (select string_agg(${granteeName("r")}, ', ' order by ${granteeName("r")} collate "C") from unnest(p.polroles) r) as roles,
            pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      order by n.nspname collate "C", c.relname collate "C", p.polname collate "C"`,
  );
  const roles = await rows<{ line: string }>(
    db,
    `select format('%I: %s; member of: %s; members: %s', r.rolname,
                   concat_ws(', ', case when r.rolsuper then 'SUPERUSER' else 'nosuperuser' end,
                                   case when r.rolbypassrls then 'BYPASSRLS' else 'nobypassrls' end,
                                   case when r.rolcreaterole then 'CREATEROLE' else 'nocreaterole' end,
                                   case when r.rolcreatedb then 'CREATEDB' else 'nocreatedb' end,
                                   case when r.rolreplication then 'REPLICATION' else 'noreplication' end,
                                   case when r.rolinherit then 'inherit' else 'noinherit' end, 'login'),
                   coalesce((select string_agg(m.roleid::regrole::text || case when m.admin_option then ' (admin)' else '' end, ', ' order by m.roleid::regrole::text collate "C")
                               from pg_auth_members m where m.member = r.oid), 'none'),
                   coalesce((select string_agg(m.member::regrole::text, ', ' order by m.member::regrole::text collate "C")
                               from pg_auth_members m where m.roleid = r.oid), 'none')) as line
       from pg_roles r where r.rolcanlogin order by r.rolname collate "C"`,
  );
  const definers = await rows<{ line: string }>(
    db,
    `select format('%I.%I(%s) returns %s; owner %s; language %s; config %s; body md5 %s',
                   n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid),
                   p.proowner::regrole, l.lanname, coalesce(p.proconfig::text, 'none'), md5(p.prosrc)) collate "C" as line
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where p.prosecdef and ${appSchema("n")}
      order by line`,
  );
  // Triggers are part of the gate (tenants and ids immutable, owners must be members, the audit log).
  const triggers = await rows<{ line: string }>(
    db,
    `select format('%s; %s', pg_get_triggerdef(t.oid), case t.tgenabled when 'O' then 'enabled' when 'D' then 'DISABLED' when 'R' then 'replica only' else 'always' end) collate "C" as line
       from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where not t.tgisinternal and ${appSchema("n")}
      order by line`,
  );
  // Deparsed subqueries span lines; indenting the continuation keeps each policy one block.
  const expression = (label: string, text: string | null) =>
    text === null ? [] : [`    ${label} ${text.replaceAll("\n", "\n      ")}`];
  return [
    "# Tables of the app's schemas: row-level security",
    ...tables.map(({ line }) => line),
    "",
    "# Policies: table name, command, permissive or restrictive, roles; USING and WITH CHECK as pg_get_expr prints them",
    ...policies.flatMap((p) => [
      `${p.head}: ${COMMANDS[p.cmd]} ${p.roles}`,
      ...expression("using", p.using),
      ...expression("check", p.check),
    ]),
    "",
    "# Grants (owner's implicit ones included; * = with grant option)",
    ...(await grantLines(db)),
    "",
    "# Login roles",
    ...roles.map(({ line }) => line),
    "",
    "# SECURITY DEFINER functions",
    ...definers.map(({ line }) => line),
    "",
    "# Triggers",
    ...triggers.map(({ line }) => line),
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------
// Reading policy expressions
// ---------------------------------------------------------------------------

/**
 * Policy expressions are read from pg_get_expr's text: it is the catalog's
 * own rendering, fully parenthesized, with every column of a subquery
 * qualified by its table or alias. The parser below knows exactly the
 * shapes that rendering uses for what our policies may contain, and throws
 * on anything else, so an unfamiliar policy fails the lint loudly (extend
 * the parser) instead of passing unread.
 */
type Expr =
  | { type: "column"; qualifier: string | null; name: string }
  | { type: "call"; schema: string | null; name: string; args: Expr[] }
  | { type: "const" }
  | { type: "op"; op: string; args: Expr[] }
  | { type: "compare"; op: string; left: Expr; right: Expr }
  | { type: "and" | "or"; args: Expr[] }
  | { type: "not"; arg: Expr }
  | {
      type: "sublink";
      kind: "exists" | "scalar" | "in" | "quantified";
      test: Expr | null;
      select: Select;
    };

interface Select {
  targets: Expr[];
  from: { table: string; alias: string }[];
  where: Expr | null;
}

type Token = { kind: "word" | "quoted" | "string" | "number" | "symbol"; text: string };

const TOKEN =
  /\s+|(?<quoted>"(?:[^"]|"")*")|(?<string>[Ee]'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*')|(?<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<word>[A-Za-z_][A-Za-z0-9_$]*)|(?<symbol>::|[()[\],.]|[+\-*/<>=~!@#%^&|`?]+)/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`cannot read policy expression at "${text.slice(at, at + 20)}"`);
    const kind = (Object.keys(match.groups!) as Token["kind"][]).find(
      (name) => match.groups![name] !== undefined,
    );
    if (!kind) continue;
    const raw = match.groups![kind];
    tokens.push({ kind, text: kind === "quoted" ? raw.slice(1, -1).replaceAll('""', '"') : raw });
  }
  return tokens;
}

const COMPARISONS = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
const RESERVED = new Set([
  "AND",
  "OR",
  "NOT",
  "IS",
  "NULL",
  "TRUE",
  "FALSE",
  "SELECT",
  "FROM",
  "WHERE",
  "AS",
  "EXISTS",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "IN",
  "ANY",
  "ALL",
  "SOME",
  "ARRAY",
  "DISTINCT",
]);
/** Words format_type prints after a type's name: `character varying`, `timestamp with time zone`, `double precision`. */
const TYPE_WORDS = new Set(["VARYING", "PRECISION", "WITH", "WITHOUT", "TIME", "ZONE"]);

class ExpressionParser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  static parse(text: string): Expr {
    const parser = new ExpressionParser(tokenize(text));
    const expr = parser.or();
    if (parser.peek()) parser.fail();
    return expr;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }
  private isWord(word: string, offset = 0) {
    const token = this.peek(offset);
    return token?.kind === "word" && token.text.toUpperCase() === word;
  }
  private isSymbol(symbol: string, offset = 0) {
    const token = this.peek(offset);
    return token?.kind === "symbol" && token.text === symbol;
  }
  private acceptWord(word: string) {
    if (!this.isWord(word)) return false;
    this.at++;
    return true;
  }
  private expectWord(word: string) {
    if (!this.acceptWord(word)) this.fail();
  }
  private expectSymbol(symbol: string) {
    if (!this.isSymbol(symbol)) this.fail();
    this.at++;
  }
  private fail(): never {
    const near = this.tokens
      .slice(this.at, this.at + 6)
      .map((token) => token.text)
      .join(" ");
    throw new Error(
      `the policy lint cannot read this policy expression near "${near || "the end"}"; extend its parser`,
    );
  }
  private isName(offset = 0) {
    const token = this.peek(offset);
    return (
      token?.kind === "quoted" ||
      (token?.kind === "word" && !RESERVED.has(token.text.toUpperCase()))
    );
  }
  private names(): string[] {
    if (!this.isName()) this.fail();
    const parts = [this.tokens[this.at++].text];
    while (this.isSymbol(".") && this.isName(1)) {
      this.at++;
      parts.push(this.tokens[this.at++].text);
    }
    return parts;
  }

  or(): Expr {
    const args = [this.and()];
    while (this.acceptWord("OR")) args.push(this.and());
    return args.length === 1 ? args[0] : { type: "or", args };
  }
  private and(): Expr {
    const args = [this.not()];
    while (this.acceptWord("AND")) args.push(this.not());
    return args.length === 1 ? args[0] : { type: "and", args };
  }
  private not(): Expr {
    return this.acceptWord("NOT") ? { type: "not", arg: this.not() } : this.predicate();
  }
  private predicate(): Expr {
    let left = this.operators();
    for (;;) {
      if (this.acceptWord("IS")) {
        const negated = this.acceptWord("NOT");
        if (this.acceptWord("DISTINCT")) {
          this.expectWord("FROM");
          left = {
            type: "compare",
            op: negated ? "is not distinct from" : "is distinct from",
            left,
            right: this.operators(),
          };
        } else if (this.acceptWord("NULL") || this.acceptWord("TRUE") || this.acceptWord("FALSE")) {
          left = { type: "op", op: "is", args: [left] };
        } else this.fail();
      } else if (this.acceptWord("IN")) {
        this.expectSymbol("(");
        left = { type: "sublink", kind: "in", test: left, select: this.select() };
        this.expectSymbol(")");
      } else if (this.peek()?.kind === "symbol" && COMPARISONS.has(this.peek()!.text)) {
        const op = this.tokens[this.at++].text;
        if (
          (this.isWord("ANY") || this.isWord("ALL") || this.isWord("SOME")) &&
          this.isSymbol("(", 1)
        ) {
          const quantifier = this.tokens[this.at].text.toUpperCase();
          this.at += 2;
          // `= ANY (SELECT …)` prints as IN; these are the other operators.
          if (this.isWord("SELECT"))
            left = { type: "sublink", kind: "quantified", test: left, select: this.select() };
          else left = { type: "compare", op: `${op} ${quantifier}`, left, right: this.or() };
          this.expectSymbol(")");
        } else left = { type: "compare", op, left, right: this.operators() };
      } else return left;
    }
  }
  private operators(): Expr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (
        token?.kind !== "symbol" ||
        COMPARISONS.has(token.text) ||
        ["::", "(", ")", "[", "]", ",", "."].includes(token.text)
      )
        return left;
      this.at++;
      left = { type: "op", op: token.text, args: [left, this.unary()] };
    }
  }
  private unary(): Expr {
    if (this.isSymbol("-") || this.isSymbol("+")) {
      const op = this.tokens[this.at++].text;
      return { type: "op", op, args: [this.unary()] };
    }
    let expr = this.primary();
    for (;;) {
      if (this.isSymbol("::")) {
        this.at++;
        this.typeName();
        expr = { type: "op", op: "::", args: [expr] };
      } else if (this.isSymbol("[")) {
        this.at++;
        const index = this.or();
        this.expectSymbol("]");
        expr = { type: "op", op: "[]", args: [expr, index] };
      } else return expr;
    }
  }
  private typeName() {
    this.names();
    while (this.peek()?.kind === "word" && TYPE_WORDS.has(this.peek()!.text.toUpperCase()))
      this.at++;
    if (this.isSymbol("(")) {
      this.at++;
      while (this.peek()?.kind === "number" || this.isSymbol(",")) this.at++;
      this.expectSymbol(")");
    }
    while (this.isSymbol("[") && this.isSymbol("]", 1)) this.at += 2;
  }
  private primary(): Expr {
    const token = this.peek();
    if (!token) this.fail();
    if (
      token.kind === "string" ||
      token.kind === "number" ||
      this.isWord("TRUE") ||
      this.isWord("FALSE") ||
      this.isWord("NULL")
    ) {
      this.at++;
      return { type: "const" };
    }
    if (this.acceptWord("EXISTS")) {
      this.expectSymbol("(");
      const select = this.select();
      this.expectSymbol(")");
      return { type: "sublink", kind: "exists", test: null, select };
    }
    if (this.acceptWord("CASE")) {
      const args: Expr[] = [];
      if (!this.isWord("WHEN")) args.push(this.or());
      while (this.acceptWord("WHEN")) {
        args.push(this.or());
        this.expectWord("THEN");
        args.push(this.or());
      }
      if (this.acceptWord("ELSE")) args.push(this.or());
      this.expectWord("END");
      return { type: "op", op: "case", args };
    }
    if (this.acceptWord("ARRAY")) {
      this.expectSymbol("[");
      const args = [this.or()];
      while (this.isSymbol(",")) {
        this.at++;
        args.push(this.or());
      }
      this.expectSymbol("]");
      return { type: "op", op: "array", args };
    }
    if (this.isSymbol("(")) {
      this.at++;
      const expr: Expr = this.isWord("SELECT")
        ? { type: "sublink", kind: "scalar", test: null, select: this.select() }
        : this.or();
      this.expectSymbol(")");
      return expr;
    }
    const parts = this.names();
    if (parts.length > 2) this.fail();
    if (this.isSymbol("(")) {
      this.at++;
      const args: Expr[] = [];
      if (!this.isSymbol(")")) {
        args.push(this.or());
        while (this.isSymbol(",")) {
          this.at++;
          args.push(this.or());
        }
      }
      this.expectSymbol(")");
      return {
        type: "call",
        schema: parts.length === 2 ? parts[0] : null,
        name: parts.at(-1)!,
        args,
      };
    }
    return { type: "column", qualifier: parts.length === 2 ? parts[0] : null, name: parts.at(-1)! };
  }
  private select(): Select {
    this.expectWord("SELECT");
    const targets = [this.or()];
    if (this.acceptWord("AS")) this.names();
    while (this.isSymbol(",")) {
      this.at++;
      targets.push(this.or());
      if (this.acceptWord("AS")) this.names();
    }
    const from: Select["from"] = [];
    if (this.acceptWord("FROM")) {
      do {
        if (this.isSymbol(",")) this.at++;
        const parts = this.names();
        this.acceptWord("AS");
        const alias = this.isName() ? this.tokens[this.at++].text : parts.at(-1)!;
        from.push({ table: parts.join("."), alias });
      } while (this.isSymbol(","));
    }
    const where = this.acceptWord("WHERE") ? this.or() : null;
    if (!this.isSymbol(")")) this.fail();
    return { targets, from, where };
  }
}

/** Every expression directly inside `expr`, sublinks' own selects excluded (they open a scope). */
function children(expr: Expr): Expr[] {
  switch (expr.type) {
    case "call":
    case "op":
    case "and":
    case "or":
      return expr.args;
    case "compare":
      return [expr.left, expr.right];
    case "not":
      return [expr.arg];
    case "sublink":
      return expr.test ? [expr.test] : [];
    default:
      return [];
  }
}

const selectParts = (select: Select): Expr[] => [
  ...select.targets,
  ...(select.where ? [select.where] : []),
];

/** A relation an expression reads, as one level of scope sees it. */
interface Binding {
  table: string;
  alias: string;
}

/**
 * pg_get_expr qualifies every column once a subquery is involved, so an
 * unqualified column is the policy's own table's; a qualified one is the
 * innermost relation of that name or alias.
 */
function resolve(
  column: Extract<Expr, { type: "column" }>,
  scopes: Binding[][],
): { binding: Binding; level: number } {
  if (column.qualifier === null) {
    if (scopes.length !== 1) throw new Error(`unqualified column ${column.name} inside a subquery`);
    return { binding: scopes[0][0], level: 0 };
  }
  for (let level = scopes.length - 1; level >= 0; level--) {
    const binding = scopes[level].find(({ alias }) => alias === column.qualifier);
    if (binding) return { binding, level };
  }
  throw new Error(`column ${column.qualifier}.${column.name} names no relation in scope`);
}

const innerScopes = (scopes: Binding[][], select: Select) => [
  ...scopes,
  select.from.map(({ table, alias }) => ({ table, alias })),
];

/** The functions that read the caller (claims, tenant): constant for a whole statement. */
const CALLER_SCHEMAS = new Set(["auth", "warden"]);
const isCallerCall = (expr: Expr) =>
  expr.type === "call" && expr.schema !== null && CALLER_SCHEMAS.has(expr.schema);

function some(expr: Expr, test: (expr: Expr) => boolean): boolean {
  if (test(expr)) return true;
  if (expr.type === "sublink" && selectParts(expr.select).some((part) => some(part, test)))
    return true;
  return children(expr).some((child) => some(child, test));
}

/** The caller's id, tenant or claims: a caller function over constants, reading no table and no column. */
const isCallerValue = (expr: Expr) =>
  some(expr, isCallerCall) &&
  !some(expr, (e) => e.type === "column" || (e.type === "sublink" && e.select.from.length > 0));

interface Policy {
  table: string;
  name: string;
  clauses: { clause: "USING" | "WITH CHECK"; text: string }[];
}

async function policies(db: Db): Promise<Policy[]> {
  const found = await rows<{
    table: string;
    name: string;
    using: string | null;
    check: string | null;
  }>(
    db,
    `select (n.nspname || '.' || c.relname) collate "C" as table, p.polname::text collate "C" as name,
            pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      order by 1, 2`,
  );
  return found.map(({ table, name, using, check }) => ({
    table,
    name,
    clauses: [
      ...(using === null ? [] : [{ clause: "USING" as const, text: using }]),
      ...(check === null ? [] : [{ clause: "WITH CHECK" as const, text: check }]),
    ],
  }));
}

const topScope = (table: string): Binding[][] => [
  [{ table, alias: table.slice(table.indexOf(".") + 1) }],
];

// ---------------------------------------------------------------------------
// 3. Caller functions once per statement
// ---------------------------------------------------------------------------

/**
 * A call to an `auth.*` or `warden.*` function is wrapped when its nearest
 * enclosing SELECT is a scalar subquery of its own: `( SELECT f() )` with no
 * FROM and no WHERE, in which no column appears that the subquery does not
 * itself read. Postgres plans that as an InitPlan, run once per statement
 * (and its result then compared against an index). Anything else runs per
 * row: a bare call, a call inside an EXISTS or IN subquery's own clauses,
 * a scalar subquery that reads a table, or one that mixes in a column of an
 * outer row. The same holds at any depth of nesting.
 */
function unwrappedCallsIn(policy: Policy): string[] {
  return policy.clauses.flatMap(({ clause, text }) => {
    const found: string[] = [];
    const report = (problem: string) =>
      found.push(`${policy.table} "${policy.name}" ${clause}: ${problem}`);
    const visit = (
      expr: Expr,
      scopes: Binding[][],
      enclosing: { sublink: Extract<Expr, { type: "sublink" }>; level: number } | null,
    ) => {
      if (expr.type === "call" && isCallerCall(expr)) {
        const call = `${expr.schema}.${expr.name}()`;
        const wrapper = enclosing?.sublink;
        if (
          !wrapper ||
          wrapper.kind !== "scalar" ||
          wrapper.select.from.length > 0 ||
          wrapper.select.where
        ) {
          report(`${call} is not wrapped in a scalar subquery (SELECT ${call})`);
        } else {
          const outer = new Set<string>();
          const collect = (e: Expr, s: Binding[][]) => {
            if (e.type === "column" && resolve(e, s).level < enclosing.level)
              outer.add(`${e.qualifier}.${e.name}`);
            if (e.type === "sublink")
              selectParts(e.select).forEach((part) => collect(part, innerScopes(s, e.select)));
            children(e).forEach((child) => collect(child, s));
          };
          selectParts(wrapper.select).forEach((part) =>
            collect(part, scopes.slice(0, enclosing.level + 1)),
          );
          if (outer.size > 0)
            report(
              `${call} is wrapped together with ${[...outer].join(", ")} of each row, so it runs per row`,
            );
        }
      }
      if (expr.type === "sublink") {
        const inner = innerScopes(scopes, expr.select);
        selectParts(expr.select).forEach((part) =>
          visit(part, inner, { sublink: expr, level: scopes.length }),
        );
      }
      children(expr).forEach((child) => visit(child, scopes, enclosing));
    };
    visit(ExpressionParser.parse(text), topScope(policy.table), null);
    return found;
  });
}

async function unwrappedCallViolations(db: Db): Promise<string[]> {
  return (await policies(db)).flatMap(unwrappedCallsIn);
}

// ---------------------------------------------------------------------------
// 4. Indexes behind the columns policies filter on
// ---------------------------------------------------------------------------

interface Index {
  table: string;
  unique: boolean;
  columns: string[];
}

/** Valid, non-partial btree and hash indexes, by their key columns up to the first expression. */
async function indexes(db: Db): Promise<Index[]> {
  const found = await rows<{ table: string; unique: boolean; columns: (string | null)[] }>(
    db,
    `select n.nspname || '.' || c.relname as table, i.indisunique as unique,
            array(select a.attname::text from unnest(i.indkey::int2[]) with ordinality k(attnum, position)
                    left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                   where k.position <= i.indnkeyatts order by k.position) as columns
       from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class ic on ic.oid = i.indexrelid join pg_am am on am.oid = ic.relam
      where i.indisvalid and i.indpred is null and am.amname in ('btree', 'hash')`,
  );
  return found.map(({ table, unique, columns }) => {
    const expression = columns.indexOf(null);
    return {
      table,
      unique: unique && expression === -1,
      columns: (expression === -1 ? columns : columns.slice(0, expression)) as string[],
    };
  });
}

interface Pin {
  binding: Binding;
  column: string;
}

/** All combinations of one alternative from each list: AND over ORs. */
const product = (lists: Pin[][][]): Pin[][] =>
  lists.reduce<Pin[][]>(
    (acc, list) => acc.flatMap((left) => list.map((right) => [...left, ...right])),
    [[]],
  );

/**
 * Where an expression sits: its truth filters rows (`positive`), under an
 * odd number of NOTs (`negative`, where AND and OR swap), or inside a value
 * (a function's argument, a CASE, a comparison's side), where nothing
 * filters but every subquery in it still runs.
 */
type Polarity = "positive" | "negative" | "value";

function equalityPins(expr: Extract<Expr, { type: "compare" }>, scopes: Binding[][]): Pin[] {
  if (expr.op !== "=") return [];
  const sides = [expr.left, expr.right];
  const columns = sides.flatMap((side) =>
    side.type === "column" ? [{ column: side.name, binding: resolve(side, scopes).binding }] : [],
  );
  if (columns.length === 2) return columns[0].binding === columns[1].binding ? [] : columns;
  return columns.length === 1 && sides.some(isCallerValue) ? columns : [];
}

/**
 * How the columns are extracted. A policy expression is expanded into its
 * alternatives (disjunctive normal form). Within one alternative a column is
 * pinned by an equality that filters rows: `col = <caller value>` (the
 * caller's id, tenant or claims: see isCallerValue), or `a.x = b.y` between
 * two relations, a correlated subquery's join key, which pins both sides;
 * `x IN (SELECT y …)` is the equality x = y. A subquery's WHERE joins the
 * alternative it sits in, whatever NOT surrounds it (NOT EXISTS probes its
 * join keys too). Other conditions (`deleted_at IS NULL`, comparisons with
 * constants, negated equalities) pin nothing.
 */
function terms(expr: Expr, scopes: Binding[][], polarity: Polarity = "positive"): Pin[][] {
  const values = (e: Expr) => product(children(e).map((child) => terms(child, scopes, "value")));
  switch (expr.type) {
    case "and":
    case "or": {
      const parts = expr.args.map((arg) => terms(arg, scopes, polarity));
      const conjunction =
        polarity === "value" || (expr.type === "and") === (polarity === "positive");
      return conjunction ? product(parts) : parts.flat();
    }
    case "not":
      return terms(
        expr.arg,
        scopes,
        polarity === "positive" ? "negative" : polarity === "negative" ? "positive" : "value",
      );
    case "compare":
      return product([[polarity === "positive" ? equalityPins(expr, scopes) : []], values(expr)]);
    case "sublink": {
      const inner = innerScopes(scopes, expr.select);
      const where = expr.select.where ? terms(expr.select.where, inner) : [[]];
      const [target] = expr.select.targets;
      const pins: Pin[] = [];
      if (polarity === "positive" && expr.kind === "in" && expr.test?.type === "column") {
        const test = { column: expr.test.name, binding: resolve(expr.test, scopes).binding };
        if (target.type === "column")
          pins.push(test, { column: target.name, binding: resolve(target, inner).binding });
        else if (isCallerValue(target)) pins.push(test);
      }
      return product([[pins], where, values(expr)]);
    }
    default:
      return values(expr);
  }
}

/**
 * A pinned column is served by an index when it leads one, or follows in
 * one only columns the same alternative also pins (a B-tree seeks on any
 * equality prefix: todos' (tenant_id, user_id, …) serves `user_id` beside
 * `tenant_id`). Once an alternative pins every column of a unique index it
 * reaches one row at most, and its other columns filter that row: no index
 * of theirs would be used (local_sessions' `id` beside `user_id`).
 */
function servedByIndex(column: string, pinned: Set<string>, tableIndexes: Index[]): boolean {
  if (tableIndexes.some((index) => index.unique && index.columns.every((c) => pinned.has(c))))
    return true;
  return tableIndexes.some((index) => {
    const position = index.columns.indexOf(column);
    return position !== -1 && index.columns.slice(0, position).every((c) => pinned.has(c));
  });
}

async function unindexedPolicyColumnViolations(db: Db): Promise<string[]> {
  const allIndexes = await indexes(db);
  const found = new Set<string>();
  for (const policy of await policies(db)) {
    for (const { text } of policy.clauses) {
      for (const term of terms(ExpressionParser.parse(text), topScope(policy.table))) {
        const byBinding = new Map<Binding, Set<string>>();
        for (const { binding, column } of term)
          byBinding.set(binding, (byBinding.get(binding) ?? new Set()).add(column));
        for (const [binding, pinned] of byBinding) {
          const tableIndexes = allIndexes.filter((index) => index.table === binding.table);
          for (const column of pinned) {
            if (!servedByIndex(column, pinned, tableIndexes))
              found.add(
                `${binding.table}.${column}: no index serves it (policy ${policy.table} "${policy.name}")`,
              );
          }
        }
      }
    }
  }
  return [...found].sort();
}

// ---------------------------------------------------------------------------
// 5. Login roles: no power beyond their grants
// ---------------------------------------------------------------------------

/**
 * Ownership comes from pg_shdepend, where Postgres records the owner of
 * every object of every kind (pg_class, pg_proc, pg_namespace, pg_type and
 * the rest): an owner bypasses RLS on its tables and may grant itself
 * anything on them. A membership would hand a login role another role's
 * privileges (the owner's among them), so there must be none.
 */
async function loginRoleViolations(db: Db, roles: readonly string[]): Promise<string[]> {
  const attributes = await rows<{ rolname: string; flags: string[] }>(
    db,
    `select r.rolname, array_remove(array[case when r.rolsuper then 'SUPERUSER' end, case when r.rolbypassrls then 'BYPASSRLS' end,
                                          case when r.rolcreaterole then 'CREATEROLE' end, case when r.rolcreatedb then 'CREATEDB' end], null) as flags
       from pg_roles r where r.rolname = any($1) order by r.rolname`,
    [roles],
  );
  const missing = roles
    .filter((role) => !attributes.some(({ rolname }) => rolname === role))
    .map((role) => `${role}: does not exist`);
  const memberships = await rows<{ line: string }>(
    db,
    `select (m.member::regrole::text || ': is a member of ' || m.roleid::regrole::text) collate "C" as line
       from pg_auth_members m where m.member::regrole::text = any($1) order by line`,
    [roles],
  );
  const owned = await rows<{ line: string }>(
    db,
    `select (r.rolname || ': owns ' || case when d.dbid in (0, (select oid from pg_database where datname = current_database()))
                                          then pg_describe_object(d.classid, d.objid, d.objsubid)
                                          else 'an object in database ' || (select datname from pg_database where oid = d.dbid) end) collate "C" as line
       from pg_shdepend d join pg_roles r on r.oid = d.refobjid
      where d.refclassid = 'pg_authid'::regclass and d.deptype = 'o' and r.rolname = any($1)
      order by line`,
    [roles],
  );
  const creates = await rows<{ line: string }>(
    db,
    `select (r.rolname || ': may CREATE in ' || what) collate "C" as line
       from pg_roles r
       cross join lateral (select 'schema ' || n.nspname from pg_namespace n where has_schema_privilege(r.oid, n.oid, 'CREATE')
                           union all
                           select 'the database' where has_database_privilege(r.oid, current_database(), 'CREATE')) w(what)
      where r.rolname = any($1) order by line`,
    [roles],
  );
  return [
    ...missing,
    ...attributes.flatMap(({ rolname, flags }) => flags.map((flag) => `${rolname}: has ${flag}`)),
    ...memberships.map(({ line }) => line),
    ...owned.map(({ line }) => line),
    ...creates.map(({ line }) => line),
  ];
}

// ---------------------------------------------------------------------------
// 6. Nothing for PUBLIC; SECURITY DEFINER functions locked down
// ---------------------------------------------------------------------------

/** PUBLIC is every role there is and ever will be, the directory's writer included. */
async function publicGrantViolations(db: Db): Promise<string[]> {
  return (await grantLines(db)).filter(
    (line) =>
      / -> PUBLIC: /.test(line) &&
      /^(table|view|materialized view|sequence|column|function) /.test(line),
  );
}

/**
 * A SECURITY DEFINER function runs as its owner, who bypasses RLS. Its
 * search_path must be set, hold only schemas no login role (nor PUBLIC) can
 * create objects in (no "$user"), and end with pg_temp: left out, the
 * caller's temporary schema is searched first for tables. And no login role
 * may execute one: none needs to, since triggers run their functions
 * without EXECUTE (tested below).
 */
async function securityDefinerViolations(db: Db, loginRoles: readonly string[]): Promise<string[]> {
  const definers = await rows<{ name: string; config: string[] | null; executors: string[] }>(
    db,
    `select format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) collate "C" as name, p.proconfig as config,
            array(select r.rolname::text from pg_roles r where r.rolname = any($1) and has_function_privilege(r.oid, p.oid, 'EXECUTE') order by r.rolname) as executors
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and ${appSchema("n")} order by name`,
    [loginRoles],
  );
  const writable = new Set(
    (
      await rows<{ nspname: string }>(
        db,
        `select n.nspname from pg_namespace n
          where has_schema_privilege('public', n.oid, 'CREATE')
             or exists (select 1 from pg_roles r where r.rolname = any($1) and has_schema_privilege(r.oid, n.oid, 'CREATE'))`,
        [loginRoles],
      )
    ).map(({ nspname }) => nspname),
  );
  return definers.flatMap(({ name, config, executors }) => {
    const problems = executors.map((role) => `${name}: executable by ${role}`);
    const setting = config?.find((entry) => entry.startsWith("search_path="));
    if (!setting) return [`${name}: no fixed search_path`, ...problems];
    const path = setting
      .slice("search_path=".length)
      .split(",")
      .map((schema) => schema.trim().replace(/^"(.*)"$/, "$1"));
    const untrusted = path.filter((schema) => schema === "$user" || writable.has(schema));
    if (untrusted.length > 0)
      problems.unshift(
        `${name}: search_path holds ${untrusted.join(", ")}, where others can create objects`,
      );
    if (path.at(-1) !== "pg_temp")
      problems.unshift(`${name}: search_path does not end with pg_temp`);
    return problems;
  });
}

// ---------------------------------------------------------------------------
// The app's database
// ---------------------------------------------------------------------------

describe("the migrated database", () => {
  it("matches the committed snapshot of policies, grants, login roles, SECURITY DEFINER functions and triggers", async () => {
    const text = await rolledBack(snapshotText);
    expect(text).toMatch(
      /^public\.todos "crud-admin_backend-policy-select": SELECT permissive to admin_backend$/m,
    );
    await expect(text).toMatchFileSnapshot("./__snapshots__/policy-snapshot.txt");
  });

  it("1. has row-level security on every table of its schemas", async () => {
    expect(await rolledBack(rlsViolations)).toEqual([]);
  });

  it("3. calls auth.* and warden.* in its policies once per statement", async () => {
    const all = await rolledBack(policies);
    expect(
      all.filter((policy) => policy.clauses.some(({ text }) => /\b(auth|warden)\./.test(text)))
        .length,
    ).toBeGreaterThan(20);
    expect(await rolledBack(unwrappedCallViolations)).toEqual([]);
  });

  it("4. has an index behind every column a policy filters on by the caller or by a join", async () => {
    expect(await rolledBack(unindexedPolicyColumnViolations)).toEqual([]);
  });

  it("5. gives the login roles no attribute, membership, ownership or CREATE beyond their grants", async () => {
    expect(await rolledBack((db) => loginRoleViolations(db, LOGIN_ROLE_NAMES))).toEqual([]);
  });

  it("6. grants no table, sequence or function to PUBLIC, and keeps SECURITY DEFINER functions to their owner", async () => {
    expect(await rolledBack(publicGrantViolations)).toEqual([]);
    // None of the three is meant for a login role: two are trigger functions and is_live_member is called only from one of them.
    expect(await rolledBack((db) => securityDefinerViolations(db, LOGIN_ROLE_NAMES))).toEqual([]);
  });

  it("6. keeps the caller functions executable by the request roles and the owner, and by nobody else", async () => {
    const executors = await rolledBack((db) =>
      rows<{ fn: string; roles: string[] }>(
        db,
        `select p.oid::regprocedure::text collate "C" as fn,
                array(select r.rolname::text from pg_roles r where (r.rolname = any($1) or r.oid = p.proowner) and has_function_privilege(r.oid, p.oid, 'EXECUTE') order by r.rolname) as roles
           from pg_proc p where p.pronamespace in ('auth'::regnamespace, 'warden'::regnamespace) order by fn`,
        [LOGIN_ROLE_NAMES],
      ),
    );
    // The request roles call them in policies, column defaults (tenant_id, user_id) and the WHEN of
    // todos_owner_is_member_* (a trigger's WHEN, unlike its function, needs the caller's EXECUTE);
    // warden.enter opens every request. warden.claims_org_id() and warden.claims_tenant_id() compute
    // the tenant from the claims: enter calls them to store it for the transaction, and the tenant
    // functions, which run as their caller, fall back to them when the claims are not the stored ones.
    // warden.revert_transaction runs as its caller too: what it may revert is what their policies let them change.
    const callers = ["admin_backend", "authenticated_backend", "moderator_backend", "postgres"];
    expect(executors).toEqual(
      [
        "auth.session()",
        "auth.user_id()",
        "warden.active_org_id()",
        "warden.claims_org_id()",
        "warden.claims_tenant_id()",
        "warden.enter(text,text)",
        "warden.revert_transaction(bigint)",
        "warden.tenant_id()",
      ].map((fn) => ({ fn, roles: callers })),
    );
  });

  it("6. does not let PUBLIC execute a function the owner creates later (role setup's default privileges)", async () => {
    const grantees = await rolledBack(async (db) => {
      await db.query(
        "create function public.policy_lint_probe() returns int language sql as 'select 1'",
      );
      return rows<{ grantee: string }>(
        db,
        `select ${granteeName("x.grantee")} as grantee from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x where p.oid = 'public.policy_lint_probe()'::regprocedure`,
      );
    });
    expect(grantees).toEqual([{ grantee: "postgres" }]);
  });

  it("runs trigger functions for roles that may not execute them: audit, immutable tenant, members-only owner", async () => {
    const member = freshUserId("lint_member");
    const admin = freshUserId("lint_admin");
    madeBy.push(member);
    const privileges = await rolledBack((db) =>
      rows<{ fn: string; executable: boolean }>(
        db,
        `select p.oid::regprocedure::text collate "C" as fn, bool_or(has_function_privilege(r, p.oid, 'EXECUTE')) as executable
           from pg_proc p, unnest($1::text[]) r
          where p.oid in ('audit.log_changes()'::regprocedure, 'audit.forbid_tenant_change()'::regprocedure, 'directory.require_member_owner()'::regprocedure)
          group by 1 order by 1`,
        [BACKEND_ROLE_NAMES],
      ),
    );
    expect(privileges).toEqual([
      { fn: "audit.forbid_tenant_change()", executable: false },
      { fn: "audit.log_changes()", executable: false },
      { fn: "directory.require_member_owner()", executable: false },
    ]);

    const { rows: inserted } = await rawAs(
      identityFor(member, "org:member"),
      "insert into todos (task) values ('lint') returning id",
    );
    const id = Number(inserted[0].id);
    const { rows: logged } = await owner.query(
      "select actor, db_role from audit.audit_log where table_name = 'todos' and row_id = $1",
      [id],
    );
    expect(logged).toEqual([{ actor: member, db_role: "authenticated_backend" }]);

    const asAdmin = identityFor(admin, "org:admin");
    await expect(
      rawAs(asAdmin, "update todos set tenant_id = 'org_globex' where id = $1", [id]),
    ).rejects.toThrow(/the tenant of a todos row cannot change/);
    await expect(
      rawAs(asAdmin, "update todos set user_id = $2 where id = $1", [id, freshUserId("stranger")]),
    ).rejects.toThrow(/is not a member of org_acme/);
  });
});

// ---------------------------------------------------------------------------
// The lints, proven on broken fixtures (each rolled back)
// ---------------------------------------------------------------------------

const FIXTURE = "lint_fixture";

describe("each lint reports what is broken", () => {
  it("the snapshot shows a disabled or loosened trigger as a changed line", async () => {
    const clean = (await rolledBack(snapshotText)).split("\n");
    const loosened = (
      await rolledBack(async (db) => {
        await db.query("alter table public.todos disable trigger todos_owner_is_member_on_update");
        return snapshotText(db);
      })
    ).split("\n");
    const changed = loosened.filter((line, index) => line !== clean[index]);
    expect(changed).toEqual([
      expect.stringMatching(/^CREATE TRIGGER todos_owner_is_member_on_update .*; DISABLED$/),
    ]);
  });

  it("the snapshot shows a widened policy and a widened grant as changed lines", async () => {
    const clean = await rolledBack(snapshotText);
    const widened = await rolledBack(async (db) => {
      await db.query(
        `alter policy "crud-admin_backend-policy-select" on audit.audit_log using (true)`,
      );
      await db.query("grant delete on audit.audit_log to admin_backend");
      return snapshotText(db);
    });
    const before = clean.split("\n");
    const after = widened.split("\n");
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, index) =>
      line === before[index]
        ? []
        : [{ previous: after[index - 1], before: before[index], after: line }],
    );
    expect(changed).toEqual([
      {
        previous: `audit.audit_log "crud-admin_backend-policy-select": SELECT permissive to admin_backend`,
        before: "    using (tenant_id = ( SELECT warden.active_org_id() AS active_org_id))",
        after: "    using true",
      },
      {
        previous: expect.any(String),
        before: "table audit.audit_log -> admin_backend: SELECT",
        after: "table audit.audit_log -> admin_backend: DELETE, SELECT",
      },
    ]);
  });

  it("1. reports a table without row-level security, a definer's-rights view and a materialized view", async () => {
    const found = await rolledBack(async (db) => {
      await db.query(`create schema ${FIXTURE}`);
      await db.query(`create table ${FIXTURE}.open (id int)`);
      await db.query(`create view ${FIXTURE}.owners_view as select id from public.todos`);
      await db.query(
        `create view ${FIXTURE}.callers_view with (security_invoker) as select id from public.todos`,
      );
      await db.query(`create materialized view ${FIXTURE}.copy as select id from public.todos`);
      await db.query("alter table public.todos disable row level security");
      return rlsViolations(db);
    });
    expect(found).toEqual([
      `${FIXTURE}.copy: a materialized view, which no policy protects`,
      `${FIXTURE}.open: row-level security is off`,
      `${FIXTURE}.owners_view: a view without security_invoker, which reads its tables with its owner's rights`,
      "public.todos: row-level security is off",
    ]);
  });

  it("3. reports caller functions called per row, at any depth, and passes wrapped ones", async () => {
    const found = await rolledBack(async (db) => {
      await db.query(`create schema ${FIXTURE}`);
      await db.query(
        `create table ${FIXTURE}.notes (id int primary key, owner_id text, suffix text)`,
      );
      await db.query(`create table ${FIXTURE}.shares (note_id int, tenant_id text)`);
      const policy = (name: string, using: string) =>
        db.query(`create policy ${name} on ${FIXTURE}.notes using (${using})`);
      await policy("bare", "owner_id = auth.user_id()");
      await policy("with_a_column", "owner_id = (select auth.user_id() || notes.suffix)");
      await policy("reading_a_table", `owner_id = (select auth.user_id() from ${FIXTURE}.shares)`);
      await policy(
        "in_a_subquery",
        `exists (select 1 from ${FIXTURE}.shares s where s.note_id = notes.id and s.tenant_id = warden.tenant_id())`,
      );
      await policy("in_a_list", "owner_id in (select warden.active_org_id())");
      await policy(
        "as_an_argument",
        "owner_id = (select lower(auth.user_id())) and suffix = lower(auth.session() ->> 'sfx')",
      );
      await policy(
        "wrapped",
        `owner_id = (select auth.user_id()) and exists (select 1 from ${FIXTURE}.shares s where s.note_id = notes.id and s.tenant_id = (select warden.tenant_id()))`,
      );
      await policy(
        "wrapped_expression",
        "id::text = (select auth.session() ->> 'sid') and not (suffix is distinct from (select (auth.session() -> 'o' ->> 'id')::text))",
      );
      return unwrappedCallViolations(db);
    });
    const notes = `${FIXTURE}.notes`;
    expect(found).toEqual([
      `${notes} "as_an_argument" USING: auth.session() is not wrapped in a scalar subquery (SELECT auth.session())`,
      `${notes} "bare" USING: auth.user_id() is not wrapped in a scalar subquery (SELECT auth.user_id())`,
      `${notes} "in_a_list" USING: warden.active_org_id() is not wrapped in a scalar subquery (SELECT warden.active_org_id())`,
      `${notes} "in_a_subquery" USING: warden.tenant_id() is not wrapped in a scalar subquery (SELECT warden.tenant_id())`,
      `${notes} "reading_a_table" USING: auth.user_id() is not wrapped in a scalar subquery (SELECT auth.user_id())`,
      `${notes} "with_a_column" USING: auth.user_id() is wrapped together with notes.suffix of each row, so it runs per row`,
    ]);
  });

  it("4. reports policy columns no index serves, and passes prefixes and unique lookups", async () => {
    const found = await rolledBack(async (db) => {
      await db.query(`create schema ${FIXTURE}`);
      await db.query(
        `create table ${FIXTURE}.docs (id int primary key, tenant_id text, owner_id text, folder_id int)`,
      );
      await db.query(`create index on ${FIXTURE}.docs (folder_id, owner_id)`);
      await db.query(`create index on ${FIXTURE}.docs (lower(tenant_id))`);
      await db.query(`create table ${FIXTURE}.folders (id int, tenant_id text)`);
      const policy = (name: string, using: string) =>
        db.query(`create policy ${name} on ${FIXTURE}.docs using (${using})`);
      await policy("unindexed", "tenant_id = (select warden.tenant_id())");
      await policy("second_column", "owner_id = (select auth.user_id())");
      await policy(
        "joined",
        `exists (select 1 from ${FIXTURE}.folders f where f.id = docs.folder_id and f.tenant_id = (select warden.tenant_id()))`,
      );
      await policy(
        "one_of_two",
        "owner_id = (select auth.user_id()) or folder_id = (select (auth.session() ->> 'folder')::int)",
      );
      await policy(
        "prefix",
        "folder_id = (select (auth.session() ->> 'folder')::int) and owner_id = (select auth.user_id())",
      );
      await policy(
        "one_row",
        "id = (select (auth.session() ->> 'doc')::int) and tenant_id = (select warden.tenant_id())",
      );
      await policy("constant", "owner_id = 'nobody' and tenant_id is not null");
      await policy(
        "negated",
        "not (owner_id = (select auth.user_id())) and case when tenant_id = (select warden.tenant_id()) then true else false end",
      );
      await policy(
        "anti_join",
        `not exists (select 1 from ${FIXTURE}.folders f where f.id = docs.folder_id)`,
      );
      return unindexedPolicyColumnViolations(db);
    });
    const docs = `${FIXTURE}.docs`;
    expect(found).toEqual([
      `${docs}.owner_id: no index serves it (policy ${docs} "one_of_two")`,
      `${docs}.owner_id: no index serves it (policy ${docs} "second_column")`,
      `${docs}.tenant_id: no index serves it (policy ${docs} "unindexed")`,
      `${FIXTURE}.folders.id: no index serves it (policy ${docs} "anti_join")`,
      `${FIXTURE}.folders.id: no index serves it (policy ${docs} "joined")`,
      `${FIXTURE}.folders.tenant_id: no index serves it (policy ${docs} "joined")`,
    ]);
  });

  it("5. reports a login role's attributes, membership, ownership and CREATE privileges", async () => {
    const role = `${FIXTURE}_role`;
    const found = await rolledBack(async (db) => {
      const { rows: database } = await db.query("select current_database() as name");
      await db.query(`create role ${role} login bypassrls createrole createdb`);
      await db.query(`create role ${FIXTURE}_group`);
      await db.query(`grant ${FIXTURE}_group to ${role}`);
      await db.query(`create schema ${FIXTURE}`);
      await db.query(`grant create on schema ${FIXTURE} to ${role}`);
      await db.query(`grant create on database "${database[0].name}" to ${role}`);
      await db.query(`create table ${FIXTURE}.mine (id int)`);
      await db.query(`alter table ${FIXTURE}.mine owner to ${role}`);
      await db.query(`create function ${FIXTURE}.mine() returns int language sql as 'select 1'`);
      await db.query(`alter function ${FIXTURE}.mine() owner to ${role}`);
      await db.query(`create schema ${FIXTURE}_owned authorization ${role}`);
      await db.query(`create type ${FIXTURE}.mood as enum ('ok')`);
      await db.query(`alter type ${FIXTURE}.mood owner to ${role}`);
      return loginRoleViolations(db, [role, "no_such_role"]);
    });
    expect(found).toEqual([
      "no_such_role: does not exist",
      `${role}: has BYPASSRLS`,
      `${role}: has CREATEROLE`,
      `${role}: has CREATEDB`,
      `${role}: is a member of ${FIXTURE}_group`,
      `${role}: owns function ${FIXTURE}.mine()`,
      `${role}: owns schema ${FIXTURE}_owned`,
      `${role}: owns table ${FIXTURE}.mine`,
      `${role}: owns type ${FIXTURE}.mood`,
      `${role}: may CREATE in schema ${FIXTURE}`,
      `${role}: may CREATE in schema ${FIXTURE}_owned`,
      `${role}: may CREATE in the database`,
    ]);
    const superuser = await rolledBack(async (db) => {
      await db.query(`create role ${role} login superuser`);
      return loginRoleViolations(db, [role]);
    });
    expect(superuser).toEqual(
      expect.arrayContaining([`${role}: has SUPERUSER`, `${role}: may CREATE in schema public`]),
    );
  });

  it("6. reports PUBLIC grants and SECURITY DEFINER functions without a safe search_path or callable by a login role", async () => {
    const found = await rolledBack(async (db) => {
      await db.query(`create schema ${FIXTURE}`);
      await db.query(`create table ${FIXTURE}.shared (id int, secret text)`);
      await db.query(`grant select on ${FIXTURE}.shared to public`);
      await db.query(`grant update (secret) on ${FIXTURE}.shared to public`);
      await db.query(`create sequence ${FIXTURE}.counter`);
      await db.query(`grant usage on sequence ${FIXTURE}.counter to public`);
      await db.query(`create function ${FIXTURE}.open() returns int language sql as 'select 1'`);
      await db.query(`grant execute on function ${FIXTURE}.open() to public`);
      const definer = async (name: string, path: string | null) => {
        await db.query(
          `create function ${FIXTURE}.${name}() returns int language sql security definer ${path === null ? "" : `set search_path = ${path}`} as 'select 1'`,
        );
        await db.query(`revoke all on function ${FIXTURE}.${name}() from public`);
      };
      await definer("no_path", null);
      await definer("user_path", `"$user", pg_catalog, pg_temp`);
      await definer("temp_first", "pg_catalog");
      await definer("writable_path", `${FIXTURE}, pg_catalog, pg_temp`);
      await db.query(`grant create on schema ${FIXTURE} to directory_backend`);
      await definer("callable", "pg_catalog, pg_temp");
      await db.query(`grant execute on function ${FIXTURE}.callable() to authenticated_backend`);
      return {
        publicGrants: await publicGrantViolations(db),
        definers: await securityDefinerViolations(db, LOGIN_ROLE_NAMES),
      };
    });
    expect(found.publicGrants).toEqual([
      `sequence ${FIXTURE}.counter -> PUBLIC: USAGE`,
      `table ${FIXTURE}.shared -> PUBLIC: SELECT`,
      `column ${FIXTURE}.shared.secret -> PUBLIC: UPDATE`,
      `function ${FIXTURE}.open() -> PUBLIC: EXECUTE`,
    ]);
    expect(found.definers).toEqual([
      `${FIXTURE}.callable(): executable by authenticated_backend`,
      `${FIXTURE}.no_path(): no fixed search_path`,
      `${FIXTURE}.temp_first(): search_path does not end with pg_temp`,
      `${FIXTURE}.user_path(): search_path holds $user, where others can create objects`,
      `${FIXTURE}.writable_path(): search_path holds ${FIXTURE}, where others can create objects`,
    ]);
  });
});
