"""Bodies of the OpenAI-compatible API (/v1), as the official `openai` SDK sends and reads them.

Requests accept what OpenAI's Chat Completions API accepts; parameters this service does not
use are ignored (README: OpenAI-compatible API). Responses are OpenAI's, plus documented
extension fields on the assistant message (and on the final stream chunk's delta):
`citations`, `abstained`, `reason`, `closest` and `rag` (the rest of the /ask response). A
client that knows nothing of them reads a normal chat completion.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from service.schemas import Citation, ClosestSource


def _no_surrogates(text: str) -> str:
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValueError("contains a lone UTF-16 surrogate (e.g. \\ud800): send valid Unicode")
    return text


class ContentPart(BaseModel):
    """One part of a message's content; only `text` parts are supported."""

    model_config = ConfigDict(extra="allow")

    type: StrictStr
    text: StrictStr | None = None

    @field_validator("text")
    @classmethod
    def _valid_text(cls, v: str | None) -> str | None:
        return None if v is None else _no_surrogates(v)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = Field(
        description="system and developer messages are ignored: the service's behaviour is fixed"
    )
    content: StrictStr | list[ContentPart] | None = None
    name: StrictStr | None = None
    tool_calls: list[Any] | None = Field(None, description="not supported: 400")
    function_call: Any | None = Field(None, description="not supported: 400")

    @field_validator("content")
    @classmethod
    def _valid_content(cls, v: str | list[ContentPart] | None) -> str | list[ContentPart] | None:
        return _no_surrogates(v) if isinstance(v, str) else v


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request body; unknown OpenAI parameters are accepted and ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "model": "rag-extractive",
                    "messages": [
                        {"role": "user", "content": "How long is parental leave?"},
                        {"role": "assistant", "content": "Primary caregivers get 18 weeks [1]."},
                        {"role": "user", "content": "And for the secondary caregiver?"},
                    ],
                }
            ]
        },
    )

    model: StrictStr = Field(description="one of GET /v1/models")
    messages: list[ChatMessage] = Field(
        min_length=1, description="the conversation; the last message is the user's question"
    )
    stream: StrictBool = Field(False, description="chat.completion.chunk events, then [DONE]")
    stream_options: StreamOptions | None = Field(
        None, description="include_usage: a last chunk with the usage (honoured)"
    )
    max_tokens: int | None = Field(None, ge=1, description="accepted, ignored (README)")
    max_completion_tokens: int | None = Field(None, ge=1, description="accepted, ignored")
    temperature: float | None = Field(None, ge=0, le=2, description="accepted, ignored")
    top_p: float | None = Field(None, ge=0, le=1, description="accepted, ignored")
    n: int | None = Field(None, ge=1, description="only 1")
    user: StrictStr | None = Field(
        None, max_length=256, description="recorded in the request's log line"
    )
    tools: list[Any] | None = Field(None, description="not supported: 400")
    tool_choice: Any | None = Field(None, description="not supported: 400")
    functions: list[Any] | None = Field(None, description="not supported: 400")
    function_call: Any | None = Field(None, description="not supported: 400")
    response_format: dict[str, Any] | None = Field(None, description="only {type: text}")


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(
        description="the answer with [n] citation markers, or the abstention sentence"
    )
    refusal: None = None
    # -- extension fields (README: OpenAI-compatible API) -------------------------------------
    citations: list[Citation] = Field(description="extension: what each [n] marker cites")
    abstained: bool = Field(description="extension: the documents do not answer the question")
    reason: str | None = Field(None, description="extension: why it abstained or degraded")
    closest: list[ClosestSource] = Field(
        default_factory=list, description="extension: when abstained, the closest passages"
    )
    rag: dict[str, Any] = Field(
        description="extension: the rest of the /ask response (generator, degraded, followup, "
        "retrieval, checks, timings_ms, request_id)"
    )


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "rag-reference"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(description="invalid_request_error, requests (rate limit) or server_error")
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    error: OpenAIErrorDetail
