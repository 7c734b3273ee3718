// Prints expressions back as P4 source: used for table key names (as p4c names them) and in
// error messages.
import type * as A from "./ast.js";

export function typeText(t: A.TypeRef): string {
  switch (t.kind) {
    case "bit":
    case "int":
    case "varbit":
      return t.kind === "int" && !t.width ? "int" : `${t.kind}<${exprText(t.width!)}>`;
    case "named":
      return t.args.length ? `${t.name}<${t.args.map(typeText).join(", ")}>` : t.name;
    case "stack":
      return `${typeText(t.elem)}[${exprText(t.size)}]`;
    case "tuple":
      return `tuple<${t.items.map(typeText).join(", ")}>`;
    case "dontcare":
      return "_";
    default:
      return t.kind;
  }
}

export function exprText(e: A.Expr): string {
  switch (e.kind) {
    case "int":
      if (e.text) return e.text;
      return e.width !== undefined ? `${e.width}${e.signed ? "s" : "w"}${e.value}` : `${e.value}`;
    case "bool":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "name":
      return (e.global ? "." : "") + e.name;
    case "member":
      return `${exprText(e.expr)}.${e.name}`;
    case "index":
      return `${exprText(e.expr)}[${exprText(e.index)}]`;
    case "slice":
      return `${exprText(e.expr)}[${exprText(e.hi)}:${exprText(e.lo)}]`;
    case "call": {
      const ta = e.typeArgs.length ? `<${e.typeArgs.map(typeText).join(", ")}>` : "";
      return `${exprText(e.callee)}${ta}(${e.args.map((a) => (a.name ? `${a.name} = ` : "") + exprText(a.value)).join(", ")})`;
    }
    case "unary":
      return `${e.op}${exprText(e.expr)}`;
    case "binary":
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case "ternary":
      return `${exprText(e.cond)} ? ${exprText(e.then)} : ${exprText(e.else)}`;
    case "cast":
      return `(${typeText(e.type)})${exprText(e.expr)}`;
    case "list":
      return `{${e.items.map(exprText).join(", ")}}`;
    case "mask":
      return `${exprText(e.left)} &&& ${exprText(e.right)}`;
    case "range":
      return `${exprText(e.left)} .. ${exprText(e.right)}`;
    case "default":
      return "default";
    case "typeName":
      return typeText(e.type);
  }
}

/** Location of the first token of an expression (binary and member nodes carry their operator's). */
export function startLoc(e: A.Expr): A.Expr["loc"] {
  switch (e.kind) {
    case "binary":
    case "mask":
    case "range":
      return startLoc(e.left);
    case "member":
    case "index":
    case "slice":
      return startLoc(e.expr);
    case "ternary":
      return startLoc(e.cond);
    case "call":
      return startLoc(e.callee);
    default:
      return e.loc;
  }
}
