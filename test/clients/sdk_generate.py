# The official Python `openai` SDK as a new user writes it, told once (default headers) to let Easel
# hold each create until its images are ready: `r.data[0].url` works for task-based models too.
import os
import sys

from openai import OpenAI

client = OpenAI(
    base_url=os.environ["EASEL_BASE_URL"] + "/v1",
    api_key=os.environ["EASEL_API_KEY"],
    default_headers={"Prefer": "wait=60"},
    timeout=120,
    max_retries=0,
)
r = client.images.generate(model=sys.argv[1], prompt="a lighthouse at dawn")
print(r.data[0].url)
