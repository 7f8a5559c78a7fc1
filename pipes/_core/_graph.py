"""A runnable as a graph of named nodes, drawn as ASCII or Mermaid text (no dependencies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ._runnable import Runnable

__all__ = ["Edge", "Graph", "Node"]


@dataclass(frozen=True, slots=True)
class Node:
    """One box of a [`Graph`][pipes.Graph]: an id, the name shown, and the runnable (if any).

    Example:
        ```python
        [node.name for node in chain.get_graph().nodes.values()]  # ["prompt", "model", ...]
        ```
    """

    id: int
    name: str
    runnable: Any = None

    @property
    def data(self) -> Any:
        """The runnable of the node (LangChain's name)."""
        return self.runnable


class Edge(NamedTuple):
    """An arrow of a [`Graph`][pipes.Graph], from the node `source` to the node `target`.

    Example:
        ```python
        [(edge.source, edge.target) for edge in chain.get_graph().edges]  # [(0, 1), (1, 2)]
        ```
    """

    source: int
    target: int


@dataclass(slots=True)
class Graph:
    """Nodes (a dict keyed by id) and edges; `entries`/`exits` are where a graph connects.

    Example:
        ```python
        graph = (prompt | model | parser).get_graph()
        graph.first_node().name, graph.last_node().name  # ("PromptTemplate", "StrOutputParser")
        print(graph.draw_ascii())
        print(graph.draw_mermaid())
        ```
    """

    nodes: dict[int, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    exits: list[int] = field(default_factory=list)

    @classmethod
    def single(cls, runnable: Runnable[Any, Any]) -> Graph:
        node = Node(0, runnable.get_name(), runnable)
        return cls({0: node}, [], [0], [0])

    def first_node(self) -> Node | None:
        """The one node no edge leads to (`None` when there are several, or none)."""
        targets = {edge.target for edge in self.edges}
        found = [node for node in self.nodes.values() if node.id not in targets]
        return found[0] if len(found) == 1 else None

    def last_node(self) -> Node | None:
        """The one node no edge leaves (`None` when there are several, or none)."""
        sources = {edge.source for edge in self.edges}
        found = [node for node in self.nodes.values() if node.id not in sources]
        return found[0] if len(found) == 1 else None

    def _shifted(self, offset: int) -> Graph:
        return Graph(
            {n.id + offset: Node(n.id + offset, n.name, n.runnable) for n in self.nodes.values()},
            [Edge(a + offset, b + offset) for a, b in self.edges],
            [i + offset for i in self.entries],
            [i + offset for i in self.exits],
        )

    @classmethod
    def chain(cls, parts: list[Graph]) -> Graph:
        result = Graph()
        previous_exits: list[int] = []
        for index, part in enumerate(parts):
            shifted = part._shifted(len(result.nodes))
            result.nodes.update(shifted.nodes)
            result.edges += shifted.edges
            result.edges += [Edge(a, b) for a in previous_exits for b in shifted.entries]
            if index == 0:
                result.entries = shifted.entries
            previous_exits = shifted.exits
        result.exits = previous_exits
        return result

    @classmethod
    def fan(cls, parts: list[Graph]) -> Graph:
        result = Graph()
        for part in parts:
            shifted = part._shifted(len(result.nodes))
            result.nodes.update(shifted.nodes)
            result.edges += shifted.edges
            result.entries += shifted.entries
            result.exits += shifted.exits
        return result

    def _framed(self) -> tuple[list[Node], list[tuple[int, int]]]:
        # Input is node 0 and Output the last, so drawings read top to bottom.
        inner = self._shifted(1)
        last = len(self.nodes) + 1
        nodes = [Node(0, "Input"), *inner.nodes.values(), Node(last, "Output")]
        edges = [(0, e) for e in inner.entries] + [(a, b) for a, b in inner.edges]
        edges += [(x, last) for x in inner.exits]
        return nodes, edges

    def layers(self) -> list[list[Node]]:
        """Nodes grouped by depth (longest path from the input)."""
        nodes, edges = self._framed()
        depth = {n.id: 0 for n in nodes}
        for _ in range(len(nodes)):
            changed = False
            for a, b in edges:
                if depth[b] < depth[a] + 1:
                    depth[b] = depth[a] + 1
                    changed = True
            if not changed:
                break
        layers: dict[int, list[Node]] = {}
        for node in nodes:
            layers.setdefault(depth[node.id], []).append(node)
        return [layers[d] for d in sorted(layers)]

    def draw_mermaid(self) -> str:
        """Mermaid flowchart text (paste into any Mermaid renderer)."""
        nodes, edges = self._framed()
        lines = ["graph TD;"]
        for node in nodes:
            label = node.name.replace('"', "#quot;")
            shape = (
                f'(["{label}"])'
                if node.name in ("Input", "Output") and node.runnable is None
                else f'["{label}"]'
            )
            lines.append(f"    n{node.id}{shape};")
        lines += [f"    n{a} --> n{b};" for a, b in edges]
        return "\n".join(lines) + "\n"

    def draw_ascii(self) -> str:
        """Boxes, one row per depth, centred, joined by connectors."""
        layers = self.layers()
        # Every row gets the parity of the widest one, so centred rows share their centre
        # column exactly and vertical connectors stay straight.
        widest = max(sum(len(n.name) + 7 for n in layer) - 3 for layer in layers)
        rows: list[tuple[list[str], list[int]]] = []
        for layer in layers:
            boxes = [f"| {n.name} |" for n in layer]
            if (sum(len(b) + 3 for b in boxes) - 3 - widest) % 2:
                boxes[-1] = boxes[-1][:-1] + " |"
            row = "   ".join(boxes)
            centres = []
            pos = 0
            for box in boxes:
                centres.append(pos + len(box) // 2)
                pos += len(box) + 3
            border = "   ".join("+" + "-" * (len(b) - 2) + "+" for b in boxes)
            rows.append(([border, row, border], centres))
        width = max(len(r[0][0]) for r in rows)
        out: list[str] = []
        previous_centres: list[int] | None = None
        for lines, centres in rows:
            pad = (width - len(lines[0])) // 2
            centres = [c + pad for c in centres]
            if previous_centres is not None:
                out += _connector(previous_centres, centres, width)
            out += [(" " * pad + line).rstrip() for line in lines]
            previous_centres = centres
        return "\n".join(out) + "\n"

    def print_ascii(self) -> None:
        """Print `draw_ascii()` (LangChain's name)."""
        print(self.draw_ascii())

    def __str__(self) -> str:
        return self.draw_ascii()


def _connector(upper: list[int], lower: list[int], width: int) -> list[str]:
    if len(upper) == 1 and len(lower) == 1:
        return [" " * lower[0] + "|"]
    points = sorted(set(upper + lower))
    canvas = [" "] * (max(points[-1] + 1, width))
    for x in range(points[0], points[-1] + 1):
        canvas[x] = "-"
    for x in points:
        canvas[x] = "+"
    top = [" "] * len(canvas)
    bottom = [" "] * len(canvas)
    for x in upper:
        top[x] = "|"
    for x in lower:
        bottom[x] = "|"
    return ["".join(top).rstrip(), "".join(canvas).rstrip(), "".join(bottom).rstrip()]
