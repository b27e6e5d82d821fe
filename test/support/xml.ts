/**
 * A small strict XML well-formedness checker for the report tests: SVGs must parse as XML,
 * and tests then look for the elements they expect.
 */
/** A parsed element: name, attributes, children. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

/**
 * A strict-enough XML well-formedness check: one root, balanced and properly nested tags,
 * quoted unique attributes, no raw "<" or stray "&" in text or attribute values. Throws on error.
 */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: XmlNode[] = [root];
  const checkText = (t: string, where: number) => {
    if (t.replace(ENTITY, "").includes("&")) throw new Error(`stray & near ${where}`);
  };
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    checkText(text, i);
    stack[stack.length - 1]!.text += text;
    if (lt === -1) break;
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt);
      if (end === -1) throw new Error("unclosed comment");
      i = end + 3;
      continue;
    }
    if (xml.startsWith("<?", lt)) {
      i = xml.indexOf("?>", lt) + 2;
      continue;
    }
    const gt = xml.indexOf(">", lt);
    if (gt === -1) throw new Error(`unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (open === undefined || open.name !== tag.slice(1).trim())
        throw new Error(`</${tag.slice(1)}> closes <${open?.name}> at ${lt}`);
      if (stack.length === 0) throw new Error("closed the document");
    } else {
      const selfClosing = tag.endsWith("/");
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w:.-]*)/.exec(body);
      if (m === null) throw new Error(`bad tag name at ${lt}: ${tag.slice(0, 20)}`);
      const node: XmlNode = { name: m[1]!, attrs: {}, children: [], text: "" };
      let rest = body.slice(m[1]!.length);
      const attr = /^\s+([A-Za-z_][\w:.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/;
      for (let a = attr.exec(rest); a !== null; a = attr.exec(rest)) {
        const key = a[1]!;
        if (key in node.attrs) throw new Error(`duplicate attribute ${key}`);
        const value = a[3] ?? a[4] ?? "";
        checkText(value, lt);
        node.attrs[key] = value;
        rest = rest.slice(a[0].length);
      }
      if (rest.trim() !== "") throw new Error(`junk in tag at ${lt}: ${rest.slice(0, 30)}`);
      const parent = stack[stack.length - 1]!;
      if (parent === root && root.children.length > 0) throw new Error("two root elements");
      parent.children.push(node);
      if (!selfClosing) stack.push(node);
    }
    i = gt + 1;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.text.trim() !== "") throw new Error("text outside the root");
  if (root.children.length !== 1) throw new Error("no root element");
  return root.children[0]!;
}

export function all(node: XmlNode, pred: (n: XmlNode) => boolean): XmlNode[] {
  return [...(pred(node) ? [node] : []), ...node.children.flatMap((c) => all(c, pred))];
}
export const withClass = (root: XmlNode, cls: string) =>
  all(root, (n) => (n.attrs.class ?? "").split(" ").includes(cls));
