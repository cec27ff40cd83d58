"""Qwen2-architecture decoder (what config.json with model_type "qwen2" describes).

RMSNorm, rotary position embeddings (rotate-half layout, rope_theta), grouped-query attention
with biases on q/k/v and none on o, SwiGLU MLP, tied input/output embeddings. Parameter names
follow transformers' Qwen2ForCausalLM, so a state dict loads there unchanged.
"""
import json
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Qwen2Config:
    vocab_size: int = 16384
    hidden_size: int = 256
    intermediate_size: int = 768
    num_hidden_layers: int = 8
    num_attention_heads: int = 8
    num_key_value_heads: int = 2
    max_position_embeddings: int = 2048
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6
    bos_token_id: int = 0
    eos_token_id: int = 0
    tie_word_embeddings: bool = True

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def hf_dict(self, torch_dtype='float32'):
        """config.json as transformers / transformers.js / Optimum expect it for Qwen2."""
        d = asdict(self)
        d.update({
            'architectures': ['Qwen2ForCausalLM'],
            'model_type': 'qwen2',
            'hidden_act': 'silu',
            'attention_dropout': 0.0,
            'initializer_range': 0.02,
            'use_cache': True,
            'use_sliding_window': False,
            'sliding_window': self.max_position_embeddings,
            'max_window_layers': self.num_hidden_layers,
            'rope_scaling': None,
            'torch_dtype': torch_dtype,
            'transformers_version': '4.45.0',
        })
        return d

    @classmethod
    def from_json(cls, path):
        d = json.load(open(path))
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotation_matrix(dim):
    """R with x @ R == rotate_half(x): one small MatMul in an exported graph instead of two slices,
    a negation and a concat per use (each output is exactly one input, so the result is exact).
    fp32 (torch 1.13 has no bf16 `eye` on CPU); callers cast it to their dtype."""
    half = dim // 2
    r = torch.zeros(dim, dim)
    r[half:, :half] = -torch.eye(half)
    r[:half, half:] = torch.eye(half)
    return r


class Rotary(nn.Module):
    def __init__(self, head_dim, theta):
        super().__init__()
        inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer('inv_freq', inv, persistent=False)

    def forward(self, position_ids):
        """position_ids [batch, seq] -> cos, sin [batch, 1, seq, head_dim]."""
        freqs = position_ids.to(torch.float32)[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]


class Attention(nn.Module):
    def __init__(self, c: Qwen2Config):
        super().__init__()
        self.c = c
        hd = c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * hd, bias=True)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=True)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=True)
        self.o_proj = nn.Linear(c.num_attention_heads * hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        """x [b, s, h]; mask additive [b, 1, s, past+s]; past (k, v) [b, kv_heads, past, head_dim]."""
        c = self.c
        b, s, _ = x.shape
        hd = c.head_dim
        q = self.q_proj(x).view(b, s, c.num_attention_heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, c.num_key_value_heads, hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, c.num_key_value_heads, hd).transpose(1, 2)
        if mask is None:
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        else:
            rot = rotation_matrix(hd)
            if rot.dtype != q.dtype:  # autocast evaluation; an export stays fp32 and adds no Cast
                rot = rot.to(q.dtype)
            q = q * cos + torch.matmul(q, rot) * sin
            k = k * cos + torch.matmul(k, rot) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        rep = c.num_attention_heads // c.num_key_value_heads
        if mask is None:  # training: causal, no cache; fused attention where torch has it (>= 2.0)
            kr = k.repeat_interleave(rep, dim=1) if rep > 1 else k
            vr = v.repeat_interleave(rep, dim=1) if rep > 1 else v
            y = F.scaled_dot_product_attention(q, kr, vr, is_causal=True)
            return self.o_proj(y.transpose(1, 2).reshape(b, s, c.num_attention_heads * hd)), present
        # Grouped-query attention by broadcasting: the query heads of a group share one key/value
        # head ([b, kv, rep, s, hd] x [b, kv, 1, hd, T]), so the cache is never copied per head.
        kv = c.num_key_value_heads
        qg = q.reshape(b, kv, rep, s, hd)
        att = torch.matmul(qg, k[:, :, None].transpose(3, 4)) * (1.0 / math.sqrt(hd)) + mask[:, :, None]
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v[:, :, None]).reshape(b, c.num_attention_heads, s, hd)
        y = y.transpose(1, 2).reshape(b, s, c.num_attention_heads * hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, c: Qwen2Config):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c: Qwen2Config):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, x, cos, sin, mask, past=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class Qwen2Inner(nn.Module):
    def __init__(self, c: Qwen2Config):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


# Large but finite, so a fully padded row gives a uniform softmax instead of NaN.
MASK_MIN = -1e9


class Qwen2ForCausalLM(nn.Module):
    def __init__(self, c: Qwen2Config):
        super().__init__()
        self.config = c
        self.model = Qwen2Inner(c)
        self.rotary = Rotary(c.head_dim, c.rope_theta)
        self.apply(self._init)
        for layer in self.model.layers:
            std = 0.02 / math.sqrt(2 * c.num_hidden_layers)
            nn.init.normal_(layer.self_attn.o_proj.weight, std=std)
            nn.init.normal_(layer.mlp.down_proj.weight, std=std)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def hidden(self, input_ids, position_ids=None, attention_mask=None, past=None, fused=False):
        """Returns final hidden states [b, s, h] and the new KV cache.

        attention_mask [b, past+s] (1 = real token); past: list of (k, v) per layer.
        """
        b, s = input_ids.shape
        past_len = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + s, device=input_ids.device)[None].expand(b, s)
        cos, sin = self.rotary(position_ids)
        if fused and past is None and attention_mask is None:
            mask = None  # causal attention inside scaled_dot_product_attention
        else:
            total = past_len + s
            q_pos = torch.arange(s, device=input_ids.device)[:, None] + past_len
            k_pos = torch.arange(total, device=input_ids.device)[None, :]
            allowed = (k_pos <= q_pos)[None, None]
            if attention_mask is not None:
                allowed = allowed & (attention_mask[:, None, None, :] > 0)
            mask = torch.where(allowed, torch.zeros((), dtype=torch.float32), torch.full((), MASK_MIN, dtype=torch.float32))
        x = self.model.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.model.layers):
            x, p = layer(x, cos, sin, mask, past[i] if past is not None else None)
            presents.append(p)
        return self.model.norm(x), presents

    def forward(self, input_ids, position_ids=None, attention_mask=None, past=None):
        h, presents = self.hidden(input_ids, position_ids, attention_mask, past)
        return F.linear(h, self.model.embed_tokens.weight), presents

    def loss(self, input_ids, targets, ignore_index=-100):
        """Training loss without a cache: causal mask only."""
        h, _ = self.hidden(input_ids, fused=hasattr(F, 'scaled_dot_product_attention'))
        logits = F.linear(h, self.model.embed_tokens.weight)
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=ignore_index)

    def state_dict_hf(self):
        """State dict with transformers' Qwen2 names (lm_head tied to embed_tokens)."""
        sd = {k: v for k, v in self.state_dict().items() if not k.startswith('rotary')}
        sd['lm_head.weight'] = sd['model.embed_tokens.weight']
        return sd
