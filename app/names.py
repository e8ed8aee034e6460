"""Pydantic types for the names of registry entries (activation, loss, dataset, …).

A name is checked against its registry when a value is validated, and the JSON
schema lists the registry's keys when the schema is generated: an entry added
to a registry (app/nn/…, app/datasets.py) is accepted everywhere with no other
change.
"""
from __future__ import annotations

from typing import Annotated, Any, Mapping

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from .datasets import DATASETS
from .nn import ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, REGULARIZERS


class RegistryName:
    """Annotated metadata: a string that must be a key of ``registry``."""

    def __init__(self, registry: Mapping[str, Any]):
        self.registry = registry

    def _check(self, value: str) -> str:
        if value not in self.registry:
            names = [repr(name) for name in self.registry]
            expected = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
            raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_after_validator_function(self._check, core_schema.str_schema(strict=True))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict:
        return {"type": "string", "enum": list(self.registry)}


ActivationName = Annotated[str, RegistryName(ACTIVATIONS)]
InitName = Annotated[str, RegistryName(INITS)]
LossName = Annotated[str, RegistryName(LOSSES)]
OptimizerName = Annotated[str, RegistryName(OPTIMIZERS)]
RegularizerName = Annotated[str, RegistryName(REGULARIZERS)]
DatasetName = Annotated[str, RegistryName(DATASETS)]
