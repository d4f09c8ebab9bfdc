"""Run Rasa's prediction graph node after node, in an order computed once per set of targets.

Rasa 3.6 runs its graph with dask for every parse and every policy prediction: it prunes the
schema to the targets, builds a dask graph, orders and schedules its tasks. The graph has no
parallelism to exploit in the server (dask's synchronous scheduler runs one node at a time), so
that bookkeeping is pure overhead, paid several times per message. This runner keeps Rasa's
nodes, hooks and results and only replaces the scheduling: the order is computed once per targets
and the nodes are then called directly.
"""

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

# A node to call, and the names of the nodes or inputs whose outputs it receives, in order.
Step = Tuple[Text, Tuple[Text, ...]]


def execution_order(schema: GraphSchema, targets: List[Text]) -> List[Step]:
    """The nodes the targets need, each after the nodes it needs (depth first)."""
    order: List[Step] = []
    state: Dict[Text, bool] = {}  # False: being visited, True: placed

    def visit(name: Text) -> None:
        if state.get(name) is True:
            return
        if state.get(name) is False:
            raise GraphRunError(f"The graph has a cycle through '{name}'.")
        state[name] = False
        needs = tuple(schema.nodes[name].needs.values())
        for dependency in needs:
            if dependency in schema.nodes:
                visit(dependency)
        state[name] = True
        order.append((name, needs))

    for target in targets:
        if target not in schema.nodes:
            raise GraphRunError(f"Unknown target '{target}'.")
        visit(target)
    return order


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's DaskGraphRunner with the dask scheduling replaced by a cached order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], List[Step]] = {}

    def run(
        self,
        inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None,
    ) -> Dict[Text, Any]:
        """Run the nodes the targets need and return the targets' outputs by name."""
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        key = tuple(run_targets)
        order = self._orders.get(key)
        if order is None:
            order = execution_order(self._graph_schema, run_targets)
            self._orders[key] = order
        outputs: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if name in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{name}' clashes with a node name. Make sure that none of "
                    f"the input names passed to the `run` method are the same as node names "
                    f"in the graph schema."
                )
            outputs[name] = (name, value)
        try:
            for name, needs in order:
                # As with dask, an input nobody provided reaches the node as its bare name.
                received = [outputs.get(dependency, dependency) for dependency in needs]
                outputs[name] = self._instantiated_nodes[name](*received)
        except RuntimeError as e:  # as DaskGraphRunner does
            raise GraphRunError("Error running runner.") from e
        return dict(outputs[target] for target in run_targets)
